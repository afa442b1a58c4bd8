package io.nlistream.trainer.data;

import io.nlistream.tokenizer.EncodedPair;
import io.nlistream.tokenizer.PairTokenizer;
import java.util.List;

/** A dataset tokenized once: the pairs as token ids (unpadded) and their labels, in file order. */
public record EncodedSet(String source, List<EncodedPair> pairs, int[] labels) {
    public EncodedSet {
        if (pairs.size() != labels.length) {
            throw new IllegalArgumentException(pairs.size() + " pairs but " + labels.length + " labels");
        }
        pairs = List.copyOf(pairs);
    }

    public static EncodedSet encode(NliDataset data, PairTokenizer tokenizer) {
        return new EncodedSet(data.source(), tokenizer.encodeAll(data.premises(), data.hypotheses()), data.labels());
    }

    public int size() {
        return labels.length;
    }

    public int[] lengths() {
        return pairs.stream().mapToInt(EncodedPair::length).toArray();
    }

    public long truncatedCount() {
        return pairs.stream().filter(EncodedPair::truncated).count();
    }
}
