package io.nlistream.tokenizer;

/**
 * A batch padded to its longest sequence, as row-major {@code [batchSize, sequenceLength]} arrays ready for ONNX
 * Runtime tensors or NDArrays. {@code lengths[i]} is row i's real token count.
 */
public record PaddedBatch(
        int batchSize, int sequenceLength, long[] inputIds, long[] attentionMask, long[] typeIds, int[] lengths) {

    /** Token positions the model computes, padding included: what a batch costs. */
    public long paddedTokens() {
        return (long) batchSize * sequenceLength;
    }

    /** Token positions that carry text. */
    public long realTokens() {
        long sum = 0;
        for (int l : lengths) {
            sum += l;
        }
        return sum;
    }

    public long[] shape() {
        return new long[] {batchSize, sequenceLength};
    }
}
