package io.nlistream.trainer.model.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nlistream.trainer.checkpoint.Safetensors;
import io.nlistream.trainer.model.PretrainedModels;
import io.nlistream.trainer.model.SequenceClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** PEFT's adapter files: ours have PEFT's keys and config fields, and load back to the same logits. */
class LoraAdapterRoundTripTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"lora-deberta-tiny", "lora-camembert-tiny"})
    void savedAdapterHasPeftsLayoutAndReloadsToTheSameLogits(String name) throws Exception {
        Path fixture = Path.of(System.getProperty("nli.fixtures.dir"), name);
        Path saved = tmp.resolve("adapter");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> expected = Safetensors.read(fixture.resolve("expected.safetensors"), m);
            SequenceClassifier model =
                    PretrainedModels.load(fixture.resolve("base"), m).model();
            LoraConfig config = PeftAdapter.load(model, fixture.resolve("adapter"), m);
            PeftAdapter.save(model, config, "../base", saved);

            Path theirs = fixture.resolve("adapter").resolve(PeftAdapter.WEIGHTS_FILE);
            Path ours = saved.resolve(PeftAdapter.WEIGHTS_FILE);
            assertThat(Safetensors.header(ours).keySet())
                    .containsExactlyInAnyOrderElementsOf(
                            Safetensors.header(theirs).keySet());
            Map<String, NDArray> a = Safetensors.read(ours, m);
            Safetensors.read(theirs, m)
                    .forEach((k, v) ->
                            assertThat(a.get(k).contentEquals(v)).as(k).isTrue());

            ObjectMapper json = new ObjectMapper();
            JsonNode peft = json.readTree(
                    fixture.resolve("adapter").resolve(PeftAdapter.CONFIG_FILE).toFile());
            JsonNode written =
                    json.readTree(saved.resolve(PeftAdapter.CONFIG_FILE).toFile());
            List<String> fields = new ArrayList<>();
            written.fieldNames().forEachRemaining(fields::add);
            assertThat(fields)
                    .allSatisfy(f -> assertThat(peft.has(f))
                            .as("PEFT knows the field " + f)
                            .isTrue());
            for (String f : List.of(
                    "peft_type",
                    "task_type",
                    "r",
                    "lora_dropout",
                    "bias",
                    "modules_to_save",
                    "use_rslora",
                    "use_dora",
                    "fan_in_fan_out")) {
                assertThat(written.get(f)).as(f).isEqualTo(peft.get(f));
            }
            assertThat(written.get("lora_alpha").asDouble())
                    .isEqualTo(peft.get("lora_alpha").asDouble());
            assertThat(new java.util.HashSet<>(PeftAdapter.readConfig(saved).targetModules()))
                    .isEqualTo(new java.util.HashSet<>(config.targetModules()));

            SequenceClassifier reloaded =
                    PretrainedModels.load(fixture.resolve("base"), m).model();
            PeftAdapter.load(reloaded, saved, m);
            NDArray logits = reloaded.classify(
                            new ParameterStore(m, false),
                            expected.get("input_ids"),
                            expected.get("attention_mask"),
                            false,
                            false)
                    .logits();
            assertThat(logits.sub(expected.get("logits_unmerged_eval"))
                            .abs()
                            .max()
                            .getFloat())
                    .isLessThan(1e-4f);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lora-deberta-tiny"})
    void anAdapterForAnotherArchitectureIsRefusedByName(String name) throws Exception {
        Path fixture = Path.of(System.getProperty("nli.fixtures.dir"), name);
        try (NDManager m = NDManager.newBaseManager()) {
            SequenceClassifier roberta = PretrainedModels.load(
                            Path.of(System.getProperty("nli.fixtures.dir"), "lora-camembert-tiny", "base"), m)
                    .model();
            assertThatThrownBy(() -> PeftAdapter.load(roberta, fixture.resolve("adapter"), m))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("query_proj");
            assertThat(Files.exists(fixture.resolve("adapter"))).isTrue();
        }
    }

    @org.junit.jupiter.api.Test
    void weightsTheBaseCheckpointLacksTravelWithTheAdapter() throws Exception {
        Path fixture = Path.of(System.getProperty("nli.fixtures.dir"), "lora-deberta-tiny");
        Path base = Files.createDirectories(tmp.resolve("base")); // a base checkpoint: no pooler, no classifier
        Files.copy(fixture.resolve("base").resolve("config.json"), base.resolve("config.json"));
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> weights = new java.util.LinkedHashMap<>(
                    Safetensors.read(fixture.resolve("base").resolve("model.safetensors"), m));
            weights.keySet().removeIf(k -> k.startsWith("pooler.") || k.startsWith("classifier."));
            Safetensors.write(base.resolve("model.safetensors"), weights, Map.of(), Safetensors.FloatFormat.F32);
            Map<String, NDArray> expected = Safetensors.read(fixture.resolve("expected.safetensors"), m);
            ParameterStore ps = new ParameterStore(m, false);

            var trained = PretrainedModels.load(base, m);
            assertThat(trained.report().newlyInitialized()).contains("pooler.dense.weight");
            LoraConfig config = new LoraConfig(8, 32, 0, List.of("query_proj", "value_proj"), false);
            Lora.apply(trained.model(), config, m);
            trained.model()
                    .namedParameters()
                    .get("deberta.encoder.layer.0.attention.self.query_proj.lora_B.weight")
                    .getArray()
                    .set(m.randomNormal(new ai.djl.ndarray.types.Shape(64, 8)).toFloatArray());
            PeftAdapter.save(
                    trained.model(),
                    config,
                    base.toString(),
                    tmp.resolve("a"),
                    trained.report().newlyInitialized());
            NDArray want = trained.model()
                    .classify(ps, expected.get("input_ids"), expected.get("attention_mask"), false, false)
                    .logits();

            SequenceClassifier fresh = PretrainedModels.load(base, m).model(); // another random pooler and head
            PeftAdapter.load(fresh, tmp.resolve("a"), m);
            NDArray got = fresh.classify(ps, expected.get("input_ids"), expected.get("attention_mask"), false, false)
                    .logits();
            assertThat(got.sub(want).abs().max().getFloat()).isLessThan(1e-6f);
        }
    }
}
