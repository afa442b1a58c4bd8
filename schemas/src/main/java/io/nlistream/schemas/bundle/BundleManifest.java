package io.nlistream.schemas.bundle;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code nli-bundle.json}, the manifest of a model bundle directory (schema {@code nli-bundle.schema.json}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BundleManifest(
        int formatVersion,
        String name,
        String version,
        String architecture,
        String baseModel,
        List<String> labels,
        int maxLength,
        String truncation,
        int padId,
        Tokenizer tokenizer,
        Onnx onnx,
        ObjectNode training,
        ObjectNode metrics,
        Map<String, String> files,
        Instant createdAt,
        Calibration calibration) {

    public static final String FILE_NAME = "nli-bundle.json";
    public static final int FORMAT_VERSION = 1;

    /**
     * The temperature the ONNX {@code probabilities} output applies, softmax(logits / T) ({@code logits} stay raw),
     * what it was fitted on and the calibration metrics before (T = 1) and after.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Calibration(
            String method,
            double temperature,
            String fittedOn,
            Long examples,
            CalibrationMetrics before,
            CalibrationMetrics after) {}

    /** Expected calibration error (15 equal-width bins), NLL, Brier score and accuracy on the calibration data. */
    public record CalibrationMetrics(double ece, double nll, double brier, double accuracy) {}

    public static final String TEMPERATURE_SCALING = "temperature";

    /** T of the probabilities output: 1 for a bundle without calibration. */
    public double temperature() {
        return calibration == null ? 1 : calibration.temperature();
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Tokenizer(String file, String config) {}

    public record Onnx(List<String> inputs, List<String> outputs, int opset, int irVersion, List<Variant> variants) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Variant(
            String file,
            String precision,
            Double maxAbsDiff,
            Double maxProbabilityDiff,
            Double argmaxAgreement,
            Integer samplePairs) {
        public Variant(String file, String precision) {
            this(file, precision, null, null, null, null);
        }
    }

    /** The ONNX variant of the given precision (fp32, fp16, int8), if the bundle has one. */
    public Optional<Variant> variant(String precision) {
        return onnx.variants().stream()
                .filter(v -> v.precision().equals(precision))
                .findFirst();
    }
}
