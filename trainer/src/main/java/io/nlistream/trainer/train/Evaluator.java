package io.nlistream.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.nlistream.tokenizer.EncodedPair;
import io.nlistream.tokenizer.PaddedBatch;
import io.nlistream.trainer.data.EncodedSet;
import io.nlistream.trainer.data.LengthBucketBatcher;
import io.nlistream.trainer.eval.Calibration;
import io.nlistream.trainer.eval.ClassificationMetrics;
import java.util.List;
import java.util.function.Function;

/** Runs a model in eval mode over a labelled set: predictions, probabilities and the metrics with the mean loss. */
public final class Evaluator {
    private Evaluator() {}

    /**
     * What an evaluation produced; {@code logits}, {@code probabilities} are row-major [examples, labels] in input
     * order.
     */
    public record Result(ClassificationMetrics metrics, int[] predictions, float[] probabilities, float[] logits) {}

    public static Result evaluate(
            TrainableClassifier model,
            NDManager manager,
            EncodedSet data,
            Function<List<EncodedPair>, PaddedBatch> padder,
            int batchSize,
            List<String> labels) {
        int k = labels.size();
        int[] predictions = new int[data.size()];
        float[] probabilities = new float[data.size() * k];
        float[] rawLogits = new float[data.size() * k];
        double lossSum = 0;
        for (int[] batch : new LengthBucketBatcher(batchSize, 0, 1).evalBatches(data.lengths())) {
            try (NDManager step = manager.newSubManager()) {
                Batches.Inputs in = Batches.inputs(step, data, batch, padder);
                NDArray logits = model.logits(in.inputIds(), in.attentionMask(), false);
                if (logits.getShape().get(1) != k) {
                    throw new IllegalStateException("the model gives "
                            + logits.getShape().get(1) + " logits per pair," + " expected " + k + " (" + labels + ")");
                }
                float[] losses =
                        Batches.crossEntropyPerExample(logits, in.labels()).toFloatArray();
                float[] probs = logits.softmax(-1).toFloatArray();
                float[] raw = logits.toFloatArray();
                int[] pred = ClassificationMetrics.argmax(probs, k);
                for (int i = 0; i < batch.length; i++) {
                    predictions[batch[i]] = pred[i];
                    System.arraycopy(probs, i * k, probabilities, batch[i] * k, k);
                    System.arraycopy(raw, i * k, rawLogits, batch[i] * k, k);
                    lossSum += losses[i];
                }
            }
        }
        double loss = data.size() == 0 ? Double.NaN : lossSum / data.size();
        ClassificationMetrics metrics = ClassificationMetrics.of(data.labels(), predictions, labels, loss);
        if (data.size() > 0) {
            metrics = metrics.withEce(Calibration.ece(probabilities, data.labels(), k));
        }
        return new Result(metrics, predictions, probabilities, rawLogits);
    }
}
