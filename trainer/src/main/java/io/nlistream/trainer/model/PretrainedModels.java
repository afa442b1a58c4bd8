package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.nlistream.trainer.checkpoint.CheckpointWeights;
import io.nlistream.trainer.checkpoint.ConfigReader;
import io.nlistream.trainer.checkpoint.DebertaV2Config;
import io.nlistream.trainer.checkpoint.ModelConfig;
import io.nlistream.trainer.checkpoint.RobertaConfig;
import io.nlistream.trainer.checkpoint.StateDictMatcher;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds sequence classifiers: {@code from_pretrained} for a Hugging Face checkpoint directory, or random
 * initialisation (transformers' {@code _init_weights}: normal(0, initializer_range) weights, zero biases, unit
 * LayerNorm) for benchmarks and tests. Parameters live in {@code manager}; close it to free the model.
 */
public final class PretrainedModels {
    private PretrainedModels() {}

    /** The empty module tree for a config. */
    public static SequenceClassifier create(ModelConfig config) {
        return switch (config.architecture()) {
            case DEBERTA_V2 -> new DebertaV2ForSequenceClassification((DebertaV2Config) config);
            case ROBERTA -> new RobertaForSequenceClassification((RobertaConfig) config);
        };
    }

    /** Loads {@code dir} (config.json + weights) with the labels of its config. */
    public static LoadedModel load(Path dir, NDManager manager) {
        return load(dir, manager, null);
    }

    /**
     * Loads {@code dir}, optionally with other labels than its config's (a base checkpoint gets a new classification
     * head: reported as newly initialised). Checkpoint tensors the model does not use are freed at once.
     */
    public static LoadedModel load(Path dir, NDManager manager, List<String> labels) {
        ModelConfig config = ConfigReader.read(dir);
        if (labels != null) {
            config = config.withLabels(labels);
        }
        SequenceClassifier model = create(config);
        Map<String, HfModule.ParamSpec> specs = model.parameterSpecs();
        Map<String, ai.djl.ndarray.types.Shape> expected = new LinkedHashMap<>();
        specs.forEach((k, v) -> expected.put(k, v.shape()));
        Map<String, NDArray> weights = CheckpointWeights.read(dir, manager);
        StateDictMatcher.Match match;
        try {
            match = StateDictMatcher.match(
                    expected,
                    weights,
                    config.architecture(),
                    config.architecture().headPrefixes(),
                    dir.toString());
        } catch (RuntimeException e) {
            weights.values().forEach(NDArray::close);
            throw e;
        }
        Map<String, Parameter> params = model.namedParameters();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray w = match.matched().get(e.getKey());
            e.getValue().setArray(w != null ? w : initial(manager, specs.get(e.getKey()), config));
        }
        weights.forEach((k, v) -> {
            if (!match.matched().containsValue(v)) {
                v.close();
            }
        });
        return new LoadedModel(dir, config, model, match.report());
    }

    /** A model with every parameter randomly initialised as transformers does for a new model. */
    public static SequenceClassifier randomlyInitialized(ModelConfig config, NDManager manager) {
        SequenceClassifier model = create(config);
        Map<String, HfModule.ParamSpec> specs = model.parameterSpecs();
        model.namedParameters().forEach((name, p) -> p.setArray(initial(manager, specs.get(name), config)));
        return model;
    }

    private static NDArray initial(NDManager manager, HfModule.ParamSpec spec, ModelConfig config) {
        return switch (spec.init()) {
            case NORMAL -> manager.randomNormal(0f, config.initializerRange(), spec.shape(), DataType.FLOAT32);
            case ZEROS -> manager.zeros(spec.shape(), DataType.FLOAT32);
            case ONES -> manager.ones(spec.shape(), DataType.FLOAT32);
        };
    }
}
