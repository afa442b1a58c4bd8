package io.nlistream.tokenizer;

/**
 * One premise/hypothesis pair as model input: ids with the model's special tokens, token type ids, and whether the
 * pair lost tokens to the max length. No padding: {@link PairTokenizer#pad} pads a batch to its longest member.
 */
public record EncodedPair(long[] inputIds, long[] typeIds, boolean truncated) {
    public int length() {
        return inputIds.length;
    }
}
