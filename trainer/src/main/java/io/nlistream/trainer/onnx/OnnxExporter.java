package io.nlistream.trainer.onnx;

import io.nlistream.trainer.onnx.proto.Onnx.ModelProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Picks the exporter for a checkpoint's model_type and reads its weights. */
public final class OnnxExporter {
    private OnnxExporter() {}

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

    /** Exports a checkpoint directory as-is (no adapter) at the given precision. */
    public static ModelProto export(Path modelDir, Precision precision) throws IOException {
        HfConfig config = HfConfig.read(modelDir);
        return forConfig(config).export(config, readWeights(modelDir), precision);
    }
}
