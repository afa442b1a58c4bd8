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
        Instant createdAt) {

    public static final String FILE_NAME = "nli-bundle.json";
    public static final int FORMAT_VERSION = 1;

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
        return onnx.variants().stream().filter(v -> v.precision().equals(precision)).findFirst();
    }
}
