package io.nlistream.trainer.onnx;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.nlistream.trainer.checkpoint.Safetensors;
import io.nlistream.trainer.model.LoadedModel;
import io.nlistream.trainer.model.PretrainedModels;
import io.nlistream.trainer.model.lora.Lora;
import io.nlistream.trainer.model.lora.LoraConfig;
import io.nlistream.trainer.model.lora.PeftAdapter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exporting a LoRA run of a base checkpoint (no head, no pooler): the adapter must bring every missing weight. */
class LoraOnBaseCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void adapterThatBringsTheMissingWeightsExportsAndOneThatDoesNotIsRefused() throws Exception {
        Path fixture = Path.of(System.getProperty("nli.fixtures.dir"), "lora-deberta-tiny");
        Path base = Files.createDirectories(tmp.resolve("base"));
        // as a real base checkpoint's config: no id2label / label2id
        var config0 = (com.fasterxml.jackson.databind.node.ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(fixture.resolve("base").resolve("config.json").toFile());
        config0.remove(List.of("id2label", "label2id"));
        Files.writeString(base.resolve("config.json"), config0.toString());
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> weights =
                    new LinkedHashMap<>(Safetensors.read(fixture.resolve("base").resolve("model.safetensors"), m));
            weights.keySet().removeIf(k -> k.startsWith("pooler.") || k.startsWith("classifier."));
            Safetensors.write(base.resolve("model.safetensors"), weights, Map.of(), Safetensors.FloatFormat.F32);
            LoadedModel trained = PretrainedModels.load(base, m, io.nlistream.schemas.Labels.CONTRACT); // as train
            LoraConfig config = new LoraConfig(8, 32, 0.1, List.of("query_proj", "value_proj"), false);
            Lora.apply(trained.model(), config, m);
            PeftAdapter.save(
                    trained.model(),
                    config,
                    base.toString(),
                    tmp.resolve("run-adapter"),
                    trained.report().newlyInitialized());
        }
        try (OnnxExporter exporter = OnnxExporter.load(base, tmp.resolve("run-adapter"))) {
            // the run's adapter carries the head and the pooler; labels are the contract's
            org.assertj.core.api.Assertions.assertThat(exporter.config().labels())
                    .isEqualTo(io.nlistream.schemas.Labels.CONTRACT);
        }
        assertThatThrownBy(() ->
                        OnnxExporter.load(base, fixture.resolve("adapter")).close())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pooler.dense.weight")
                .hasMessageContaining("does not bring them");
        assertThatThrownBy(() -> OnnxExporter.load(base, null).close())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("classifier.weight");
    }
}
