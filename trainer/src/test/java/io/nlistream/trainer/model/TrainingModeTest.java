package io.nlistream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlistream.trainer.checkpoint.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What LoRA training relies on: dropout only in training, gradients through unfrozen weights, swappable linears. */
class TrainingModeTest {
    @TempDir
    Path tmp;

    private static Path fixture(String name) {
        return Path.of(System.getProperty("nli.fixtures.dir"), name);
    }

    @Test
    void dropoutActsOnlyInTraining() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode)
                json.readTree(fixture("deberta-tiny-a").resolve("config.json").toFile());
        config.put("hidden_dropout_prob", 0.1).put("attention_probs_dropout_prob", 0.1);
        Files.writeString(tmp.resolve("config.json"), config.toString());
        Files.copy(fixture("deberta-tiny-a").resolve("model.safetensors"), tmp.resolve("model.safetensors"));
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> expected =
                    Safetensors.read(fixture("deberta-tiny-a").resolve("expected.safetensors"), m);
            LoadedModel loaded = PretrainedModels.load(tmp, m);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray ids = expected.get("input_ids");
            NDArray mask = expected.get("attention_mask");
            NDArray eval = loaded.model().classify(ps, ids, mask, false, false).logits();
            assertThat(eval.sub(expected.get("logits")).abs().max().getFloat()).isLessThan(1e-4f);
            NDArray train1 = loaded.model().classify(ps, ids, mask, true, false).logits();
            NDArray train2 = loaded.model().classify(ps, ids, mask, true, false).logits();
            assertThat(train1.sub(eval).abs().max().getFloat()).isGreaterThan(1e-3f);
            assertThat(train1.sub(train2).abs().max().getFloat()).isGreaterThan(1e-3f);
        }
    }

    @Test
    void gradientsReachUnfrozenParametersOnly() {
        try (NDManager m = NDManager.newBaseManager()) {
            LoadedModel loaded = PretrainedModels.load(fixture("camembert-tiny"), m);
            Map<String, Parameter> params = loaded.model().namedParameters();
            params.get("classifier.out_proj.weight").freeze(false);
            Map<String, NDArray> expected =
                    Safetensors.read(fixture("camembert-tiny").resolve("expected.safetensors"), m);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logits = loaded.model()
                        .classify(
                                new ParameterStore(m, false),
                                expected.get("input_ids"),
                                expected.get("attention_mask"),
                                true,
                                false)
                        .logits();
                gc.backward(logits.get(":, 0").sum()); // d/dW of the label-0 logit only: rows 1 and 2 get nothing
            }
            NDArray grad = params.get("classifier.out_proj.weight").getArray().getGradient();
            assertThat(grad.getShape()).isEqualTo(new Shape(3, 64));
            assertThat(grad.get("0").abs().sum().getFloat()).isGreaterThan(0f);
            assertThat(grad.get("1:").abs().sum().getFloat()).isEqualTo(0f);
            assertThat(params.get("classifier.dense.weight").requiresGradient()).isFalse();
            assertThat(params.get("classifier.dense.weight").getArray().hasGradient())
                    .isFalse();
        }
    }

    /** A wrapper in the way PEFT wraps a target linear: the original becomes {@code base_layer}. */
    static final class Doubled extends HfModule {
        Doubled(Block base) {
            module("base_layer", base);
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
            return new NDList(
                    call("base_layer", ps, in.singletonOrThrow(), training).mul(2));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] in) {
            return child("base_layer").getOutputShapes(in);
        }
    }

    @Test
    void targetLinearCanBeWrappedByName() {
        try (NDManager m = NDManager.newBaseManager()) {
            LoadedModel loaded = PretrainedModels.load(fixture("deberta-tiny-a"), m);
            SequenceClassifier model = loaded.model();
            Map<String, NDArray> expected =
                    Safetensors.read(fixture("deberta-tiny-a").resolve("expected.safetensors"), m);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray before = model.classify(ps, expected.get("input_ids"), expected.get("attention_mask"), false, false)
                    .logits();
            String target = "deberta.encoder.layer.1.attention.self.value_proj";
            assertThat(model.namedModules()).containsKey(target);
            Block original = model.replaceModule(target, new Doubled(model.module(target)));
            assertThat(model.namedParameters())
                    .containsKey(target + ".base_layer.weight")
                    .doesNotContainKey(target + ".weight");
            NDArray wrapped = model.classify(
                            ps, expected.get("input_ids"), expected.get("attention_mask"), false, false)
                    .logits();
            assertThat(wrapped.sub(before).abs().max().getFloat()).isGreaterThan(1e-3f);
            model.replaceModule(target, original);
            NDArray restored = model.classify(
                            ps, expected.get("input_ids"), expected.get("attention_mask"), false, false)
                    .logits();
            assertThat(restored.contentEquals(before)).isTrue();
        }
    }
}
