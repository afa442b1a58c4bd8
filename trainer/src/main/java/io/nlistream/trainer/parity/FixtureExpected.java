package io.nlistream.trainer.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.nlistream.trainer.checkpoint.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A fixture's inputs and the outputs transformers computed for them ({@code expected.safetensors}). */
public record FixtureExpected(
        long[] inputIds, long[] attentionMask, int rows, int length, float[] logits, float[] probabilities) {

    /** Reads {@code logitsKey} and, when not null, {@code probabilitiesKey} with the fixture's inputs. */
    public static FixtureExpected read(Path file, String logitsKey, String probabilitiesKey) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + " is missing: a parity fixture holds the model"
                    + " (config.json + model.safetensors) and expected.safetensors with input_ids, "
                    + "attention_mask and logits");
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> t = Safetensors.read(file, manager);
            for (String key : new String[] {"input_ids", "attention_mask", logitsKey}) {
                if (!t.containsKey(key)) {
                    throw new IllegalArgumentException(file + " lacks the tensor '" + key + "'");
                }
            }
            NDArray ids = t.get("input_ids");
            return new FixtureExpected(
                    ids.toLongArray(),
                    t.get("attention_mask").toLongArray(),
                    (int) ids.getShape().get(0),
                    (int) ids.getShape().get(1),
                    t.get(logitsKey).toFloatArray(),
                    probabilitiesKey == null || !t.containsKey(probabilitiesKey)
                            ? null
                            : t.get(probabilitiesKey).toFloatArray());
        }
    }

    /** The expected logits as rows. */
    public float[][] logitRows() {
        int labels = logits.length / rows;
        float[][] out = new float[rows][];
        for (int i = 0; i < rows; i++) {
            out[i] = java.util.Arrays.copyOfRange(logits, i * labels, (i + 1) * labels);
        }
        return out;
    }
}
