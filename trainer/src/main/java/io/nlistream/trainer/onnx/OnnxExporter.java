package io.nlistream.trainer.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.nlistream.trainer.checkpoint.ModelConfig;
import io.nlistream.trainer.model.LoadedModel;
import io.nlistream.trainer.model.PretrainedModels;
import io.nlistream.trainer.model.SequenceClassifier;
import io.nlistream.trainer.model.lora.PeftAdapter;
import io.nlistream.trainer.onnx.proto.Onnx.ModelProto;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint ready to export: the DJL model (checkpoint loading, name matching and .bin/sharded formats are the
 * model package's) with a PEFT adapter merged in by {@link PeftAdapter#merge} (the merge the PEFT parity check
 * covers), its weights as float arrays, and the exporter of its architecture. The DJL model is the reference the
 * export is checked against.
 */
public final class OnnxExporter implements AutoCloseable {
    private final NDManager manager;
    private final ModelConfig config;
    private final SequenceClassifier model;
    private final Weights weights;
    private final ArchitectureExporter architecture;
    private final PeftAdapter.MergeSummary merge;

    private OnnxExporter(
            NDManager manager,
            ModelConfig config,
            SequenceClassifier model,
            String source,
            PeftAdapter.MergeSummary merge,
            Weights weights) {
        this.manager = manager;
        this.config = config;
        this.model = model;
        this.weights = weights;
        this.architecture = switch (config.architecture()) {
            case DEBERTA_V2 -> new DebertaV2Exporter();
            case ROBERTA -> new RobertaExporter();
        };
        this.merge = merge;
    }

    /** Reads {@code modelDir} and, when {@code adapterDir} is not null, merges that PEFT LoRA adapter into it. */
    public static OnnxExporter load(Path modelDir, Path adapterDir) throws IOException {
        NDManager manager = NDManager.newBaseManager();
        try {
            // A base checkpoint's config has no id2label (transformers then assumes LABEL_0, LABEL_1); its adapter's
            // head was trained by nli-trainer on the contract's three labels.
            boolean baseConfig = !io.nlistream.trainer.checkpoint.ConfigReader.read(modelDir).labels().stream()
                    .anyMatch(l -> !l.startsWith("LABEL_"));
            LoadedModel loaded = adapterDir != null && baseConfig
                    ? PretrainedModels.load(modelDir, manager, io.nlistream.schemas.Labels.CONTRACT)
                    : PretrainedModels.load(modelDir, manager);
            PeftAdapter.MergeSummary merge =
                    adapterDir == null ? null : PeftAdapter.merge(loaded.model(), adapterDir, manager);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            loaded.model().namedParameters().forEach((name, p) -> tensors.put(name, toTensor(p.getArray())));
            Weights weights = new Weights(modelDir.toString(), tensors);
            // A base checkpoint is fine when the adapter brings what it lacks (nli-trainer's adapters carry the head
            // and DeBERTa's pooler); random weights must never reach a bundle.
            List<String> missing = new java.util.ArrayList<>(loaded.report().newlyInitialized());
            if (merge != null) {
                missing.removeAll(merge.changed());
            }
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException(modelDir + " lacks " + missing
                        + (adapterDir != null ? " and the adapter " + adapterDir + " does not bring them" : "")
                        + ": it is a base checkpoint without a trained classification head; fine-tune it first"
                        + " (nli-trainer train) or export a checkpoint trained for NLI");
            }
            return new OnnxExporter(manager, loaded.config(), loaded.model(), modelDir.toString(), merge, weights);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** A model with random weights (transformers' initialisation) for benchmarks. */
    public static OnnxExporter random(ModelConfig config) {
        NDManager manager = NDManager.newBaseManager();
        SequenceClassifier model = PretrainedModels.randomlyInitialized(config, manager);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        model.namedParameters().forEach((name, p) -> tensors.put(name, toTensor(p.getArray())));
        return new OnnxExporter(
                manager, config, model, "random " + config.modelType(), null, new Weights("random weights", tensors));
    }

    /** Exports a checkpoint directory as-is (no adapter). */
    public static ModelProto export(Path modelDir, Precision precision) throws IOException {
        try (OnnxExporter e = load(modelDir, null)) {
            return e.export(precision);
        }
    }

    public ModelProto export(Precision precision) {
        return architecture.export(config, weights, precision);
    }

    /** The export with calibrated probabilities, softmax(logits / T); T = 1 is {@link #export(Precision)}. */
    public ModelProto export(Precision precision, double temperature) {
        return TemperatureScaling.apply(export(precision), temperature);
    }

    public ModelConfig config() {
        return config;
    }

    public Weights weights() {
        return weights;
    }

    public ArchitectureExporter architecture() {
        return architecture;
    }

    /** What merging the adapter did, or null without one. */
    public PeftAdapter.MergeSummary merge() {
        return merge;
    }

    /** The DJL model with the exported weights (adapter merged): the reference the export is checked against. */
    public SequenceClassifier model() {
        return model;
    }

    private static Tensor toTensor(NDArray a) {
        return new Tensor(Arrays.copyOf(a.getShape().getShape(), a.getShape().dimension()), a.toFloatArray());
    }

    @Override
    public void close() {
        manager.close();
    }
}
