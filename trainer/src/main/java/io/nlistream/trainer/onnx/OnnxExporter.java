package io.nlistream.trainer.onnx;

import io.nlistream.trainer.onnx.proto.Onnx.ModelProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** A checkpoint ready to export: its config, its weights (with the adapter merged in) and its architecture. */
public record OnnxExporter(HfConfig config, Weights weights, ArchitectureExporter architecture, LoraMerge.Summary merge) {

    /** Reads {@code modelDir} and, when {@code adapterDir} is not null, merges that PEFT LoRA adapter into it. */
    public static OnnxExporter load(Path modelDir, Path adapterDir) throws IOException {
        HfConfig config = HfConfig.read(modelDir);
        ArchitectureExporter architecture = forConfig(config);
        Weights weights = readWeights(modelDir);
        LoraMerge.Summary merge = adapterDir == null ? null : LoraMerge.merge(weights, adapterDir);
        return new OnnxExporter(config, weights, architecture, merge);
    }

    public ModelProto export(Precision precision) {
        return architecture.export(config, weights, precision);
    }

    /** Exports a checkpoint directory as-is (no adapter). */
    public static ModelProto export(Path modelDir, Precision precision) throws IOException {
        return load(modelDir, null).export(precision);
    }

    public static ArchitectureExporter forConfig(HfConfig config) {
        return switch (config.modelType().toLowerCase(Locale.ROOT)) {
            case "deberta-v2" -> new DebertaV2Exporter();
            case "roberta", "camembert", "xlm-roberta" -> new RobertaExporter();
            default -> throw new IllegalArgumentException(config + ": model_type '" + config.modelType()
                    + "' cannot be exported (supported: deberta-v2, roberta, camembert, xlm-roberta)");
        };
    }

    /** The weights of a checkpoint directory ({@code model.safetensors}). */
    public static Weights readWeights(Path modelDir) throws IOException {
        Path file = modelDir.resolve("model.safetensors");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(modelDir + " has no model.safetensors: the exporter reads"
                    + " safetensors checkpoints (convert pytorch_model.bin with nli-trainer first)");
        }
        return new Weights(file.toString(), Safetensors.readFloats(file));
    }
}
