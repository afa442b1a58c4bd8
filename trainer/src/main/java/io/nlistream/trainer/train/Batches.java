package io.nlistream.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.nlistream.tokenizer.EncodedPair;
import io.nlistream.tokenizer.PaddedBatch;
import io.nlistream.trainer.data.EncodedSet;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Turns a batch of example indices into model inputs (padded to the batch's longest pair) and labels. */
final class Batches {
    private Batches() {}

    record Inputs(NDArray inputIds, NDArray attentionMask, NDArray labels, int size, long paddedTokens) {}

    static Inputs inputs(
            NDManager manager, EncodedSet data, int[] indices, Function<List<EncodedPair>, PaddedBatch> padder) {
        List<EncodedPair> pairs = new ArrayList<>(indices.length);
        long[] labels = new long[indices.length];
        for (int i = 0; i < indices.length; i++) {
            pairs.add(data.pairs().get(indices[i]));
            labels[i] = data.labels()[indices[i]];
        }
        PaddedBatch b = padder.apply(pairs);
        Shape shape = new Shape(b.batchSize(), b.sequenceLength());
        return new Inputs(
                manager.create(b.inputIds(), shape),
                manager.create(b.attentionMask(), shape),
                manager.create(labels),
                b.batchSize(),
                b.paddedTokens());
    }

    /** Mean cross-entropy of logits {@code [n, k]} against integer labels {@code [n]} (torch's CrossEntropyLoss). */
    static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray logProbs = logits.logSoftmax(-1);
        return logProbs.gather(labels.expandDims(1), 1).mean().neg();
    }

    /** Per-example cross-entropy, {@code [n]}. */
    static NDArray crossEntropyPerExample(NDArray logits, NDArray labels) {
        return logits.logSoftmax(-1).gather(labels.expandDims(1), 1).squeeze(1).neg();
    }
}
