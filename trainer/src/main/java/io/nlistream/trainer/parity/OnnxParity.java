package io.nlistream.trainer.parity;

import io.nlistream.trainer.onnx.OnnxExporter;
import io.nlistream.trainer.onnx.OrtModel;
import io.nlistream.trainer.onnx.Precision;
import java.io.IOException;
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
        return check(fixtureDir, null, fixtureDir.resolve("expected.safetensors"), "logits", "probabilities");
    }

    /**
     * Exports {@code modelDir} (with {@code adapterDir} merged, when not null) and compares with {@code logitsKey}
     * (and {@code probabilitiesKey}, when not null) of {@code expectedFile}, on its inputs.
     */
    public static Result check(
            Path modelDir, Path adapterDir, Path expectedFile, String logitsKey, String probabilitiesKey)
            throws IOException {
        FixtureExpected expected = FixtureExpected.read(expectedFile, logitsKey, probabilitiesKey);
        try (OnnxExporter exporter = OnnxExporter.load(modelDir, adapterDir)) {
            return compare(exporter.export(Precision.FP32).toByteArray(), expected);
        }
    }

    /** Runs a serialized model on the expected inputs and measures the largest differences. */
    public static Result compare(byte[] model, FixtureExpected expected) {
        OrtModel.Output out;
        try (OrtModel ort = OrtModel.load(model, 0)) {
            out = ort.run(expected.inputIds(), expected.attentionMask(), expected.rows(), expected.length());
        }
        double logits = maxAbsDiff(out.logits(), expected.logits());
        double probabilities =
                expected.probabilities() == null ? 0 : maxAbsDiff(out.probabilities(), expected.probabilities());
        return new Result(logits, probabilities, expected.rows(), expected.length());
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
            throw new IllegalArgumentException(
                    "the export gave " + i + " values, the fixture expects " + expected.length);
        }
        return max;
    }
}
