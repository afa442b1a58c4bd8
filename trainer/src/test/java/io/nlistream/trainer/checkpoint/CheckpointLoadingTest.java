package io.nlistream.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.nlistream.trainer.model.LoadedModel;
import io.nlistream.trainer.model.PretrainedModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Weight names map one to one; base checkpoints and legacy names load the way transformers loads them. */
class CheckpointLoadingTest {
    private static final List<String> NLI = List.of("entailment", "neutral", "contradiction");

    @TempDir
    Path tmp;

    static Path fixture(String name) {
        return Path.of(System.getProperty("nli.fixtures.dir"), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"deberta-tiny-a", "deberta-tiny-b", "camembert-tiny", "camemberta-vocab-tiny"})
    void parameterNamesAreTheCheckpointNames(String name) {
        try (NDManager m = NDManager.newBaseManager()) {
            LoadedModel loaded = PretrainedModels.load(fixture(name), m);
            assertThat(loaded.report().clean())
                    .as(loaded.report().messages().toString())
                    .isTrue();
            assertThat(loaded.model().namedParameters().keySet())
                    .containsExactlyInAnyOrderElementsOf(
                            Safetensors.header(fixture(name).resolve("model.safetensors"))
                                    .keySet());
        }
    }

    /** A base checkpoint (encoder keys without prefix, an MLM head, legacy gamma/beta) gets a new classifier. */
    @Test
    void baseCheckpointAnnouncesNewHeadAndUnusedWeights() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> full =
                    Safetensors.read(fixture("camembert-tiny").resolve("model.safetensors"), m);
            Map<String, NDArray> base = new LinkedHashMap<>();
            full.forEach((k, v) -> {
                if (k.startsWith("roberta.")) {
                    String key = k.substring("roberta.".length());
                    if (key.equals("embeddings.LayerNorm.weight")) {
                        key = "embeddings.LayerNorm.gamma";
                    }
                    base.put(key, v);
                }
            });
            base.put("lm_head.bias", m.zeros(new Shape(600)));
            base.put("embeddings.position_ids", m.arange(130L).reshape(1, 130));
            writeCheckpoint(base, "camembert-tiny");

            LoadedModel loaded = PretrainedModels.load(tmp, m, NLI);
            assertThat(loaded.report().newlyInitialized())
                    .containsExactly(
                            "classifier.dense.weight",
                            "classifier.dense.bias",
                            "classifier.out_proj.weight",
                            "classifier.out_proj.bias");
            assertThat(loaded.report().unexpected()).containsExactly("lm_head.bias");
            assertThat(loaded.report().messages()).hasSize(2);
            assertThat(loaded.report().messages().get(1))
                    .contains("newly initialized")
                    .contains("TRAIN");
            assertThat(loaded.model()
                            .namedParameters()
                            .get("roberta.embeddings.LayerNorm.weight")
                            .getArray()
                            .contentEquals(full.get("roberta.embeddings.LayerNorm.weight")))
                    .isTrue();
            try (NDManager batch = m.newSubManager()) {
                NDArray ids = batch.create(new long[][] {{0, 10, 11, 2, 2, 12, 2}});
                NDArray logits = loaded.model()
                        .classify(new ParameterStore(batch, false), ids, ids.onesLike(), false, false)
                        .logits();
                assertThat(logits.getShape()).isEqualTo(new Shape(1, 3));
            }
        }
    }

    @Test
    void missingEncoderWeightIsAnError() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> w = Safetensors.read(fixture("deberta-tiny-a").resolve("model.safetensors"), m);
            w.remove("deberta.encoder.layer.1.attention.self.value_proj.weight");
            writeCheckpoint(w, "deberta-tiny-a");
            assertThatThrownBy(() -> PretrainedModels.load(tmp, m))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("deberta.encoder.layer.1.attention.self.value_proj.weight");
        }
    }

    @Test
    void shapeMismatchNamesWeightAndBothShapes() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> w = Safetensors.read(fixture("deberta-tiny-a").resolve("model.safetensors"), m);
            writeCheckpoint(w, "deberta-tiny-a");
            // the fixture has 3 labels; asking for 2 cannot reuse its classifier
            assertThatThrownBy(() -> PretrainedModels.load(tmp, m, List.of("yes", "no")))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("size mismatch for classifier.weight")
                    .hasMessageContaining("(3, 64)")
                    .hasMessageContaining("(2, 64)");
        }
    }

    @Test
    void truncatedSafetensorsIsReportedAsCorrupt() throws Exception {
        byte[] bytes = Files.readAllBytes(fixture("deberta-tiny-a").resolve("model.safetensors"));
        Files.copy(fixture("deberta-tiny-a").resolve("config.json"), tmp.resolve("config.json"));
        Files.write(tmp.resolve("model.safetensors"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        try (NDManager m = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> PretrainedModels.load(tmp, m))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("truncated");
        }
    }

    @Test
    void directoryWithoutWeightsSaysWhichFilesItNeeds() throws Exception {
        Files.copy(fixture("deberta-tiny-a").resolve("config.json"), tmp.resolve("config.json"));
        try (NDManager m = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> PretrainedModels.load(tmp, m))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("model.safetensors")
                    .hasMessageContaining("pytorch_model.bin");
        }
    }

    private void writeCheckpoint(Map<String, NDArray> weights, String configFrom) throws Exception {
        Files.copy(fixture(configFrom).resolve("config.json"), tmp.resolve("config.json"));
        Safetensors.write(
                tmp.resolve("model.safetensors"), weights, Map.of("format", "pt"), Safetensors.FloatFormat.F32);
    }
}
