package io.nlistream.trainer.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reference conformance of the export: the fixture's model exported to fp32 ONNX, run in ONNX Runtime on the
 * fixture's inputs, compared with the logits transformers computed ({@code expected.safetensors}).
 */
public final class OnnxParity {
    /** The fixtures README's tolerance for a faithful fp32 implementation. */
    public static final double TOLERANCE = 1e-4;

    public record Result(double logitsMaxAbsDiff, double probabilitiesMaxAbsDiff, int rows, int length) {
        public boolean pass() {
            return logitsMaxAbsDiff <= TOLERANCE && probabilitiesMaxAbsDiff <= TOLERANCE;
        }
    }

    private OnnxParity() {}

    /** A fixture directory in the README's format: the model and its {@code expected.safetensors} side by side. */
    public static Result check(Path fixtureDir) throws IOException {
        return check(fixtureDir, fixtureDir.resolve("expected.safetensors"), "logits", "probabilities");
    }

    /**
     * Exports {@code modelDir} and compares with {@code logitsKey} (and {@code probabilitiesKey}, when not null)
     * of {@code expectedFile}, on its {@code input_ids} and {@code attention_mask}.
     */
    public static Result check(Path modelDir, Path expectedFile, String logitsKey, String probabilitiesKey) throws IOException {
        if (!Files.isRegularFile(expectedFile)) {
            throw new IllegalArgumentException(expectedFile + " is missing: a parity fixture holds the model"
                    + " (config.json + model.safetensors) and expected.safetensors with input_ids, attention_mask and logits");
        }
        byte[] model = OnnxExporter.export(modelDir, Precision.FP32).toByteArray();
        return compare(model, Safetensors.open(expectedFile), logitsKey, probabilitiesKey);
    }

    /** Runs a serialized model on the expected inputs and measures the largest differences. */
    public static Result compare(byte[] model, Safetensors expected, String logitsKey, String probabilitiesKey) {
        long[] shape = expected.shape("input_ids");
        int rows = (int) shape[0];
        int length = (int) shape[1];
        OrtModel.Output out;
        try (OrtModel ort = OrtModel.load(model, 0)) {
            out = ort.run(expected.longs("input_ids"), expected.longs("attention_mask"), rows, length);
        }
        double logits = maxAbsDiff(out.logits(), expected.tensor(logitsKey).data());
        double probabilities = probabilitiesKey == null ? 0 : maxAbsDiff(out.probabilities(), expected.tensor(probabilitiesKey).data());
        return new Result(logits, probabilities, rows, length);
    }

    static double maxAbsDiff(float[][] actual, float[] expected) {
        double max = 0;
        int i = 0;
        for (float[] row : actual) {
            for (float v : row) {
                max = Math.max(max, Math.abs(v - expected[i++]));
            }
        }
        if (i != expected.length) {
            throw new IllegalArgumentException("the export gave " + i + " values, the fixture expects " + expected.length);
        }
        return max;
    }
}
