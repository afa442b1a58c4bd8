package io.nlistream.trainer.model.lora;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.nlistream.trainer.checkpoint.ConfigReader;
import io.nlistream.trainer.checkpoint.ModelConfig;
import io.nlistream.trainer.model.PretrainedModels;
import io.nlistream.trainer.model.SequenceClassifier;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The seed's trainable counts on the real model shapes (random weights: only shapes matter). */
class LoraParameterCountTest {
    private static final List<String> LABELS = List.of("entailment", "neutral", "contradiction");

    @TempDir
    Path tmp;

    private Lora.Counts countsFor(String configJson) throws Exception {
        Files.writeString(tmp.resolve("config.json"), configJson);
        ModelConfig config = ConfigReader.read(tmp).withLabels(LABELS);
        try (NDManager m = NDManager.newBaseManager()) {
            SequenceClassifier model = PretrainedModels.randomlyInitialized(config, m);
            List<String> wrapped = Lora.apply(model, LoraConfig.seedRecipe(config.architecture()), m);
            assertThat(wrapped).hasSize(24);
            return Lora.counts(model);
        }
    }

    @Test
    void camembertaBaseHasTheSeedsTrainableCount() throws Exception {
        // camemberta-base's config.json (almanach/camemberta-base, from ../shared/data/camemberta-base)
        String json;
        try (InputStream in = getClass().getResourceAsStream("/lora/camemberta-base-config.json")) {
            json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        Lora.Counts counts = countsFor(json);
        assertThat(counts.trainable()).isEqualTo(297_219);
        assertThat(counts.toString()).startsWith("trainable params: 297,219 || all params: ");
    }

    @Test
    void camembertBaseHasTheSeedsTrainableCount() throws Exception {
        String json = """
                {"model_type": "camembert", "architectures": ["CamembertForMaskedLM"], "vocab_size": 32005,
                 "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072,
                 "max_position_embeddings": 514, "type_vocab_size": 1, "pad_token_id": 1, "hidden_act": "gelu",
                 "layer_norm_eps": 1e-05, "initializer_range": 0.02}""";
        assertThat(countsFor(json).trainable()).isEqualTo(887_811);
    }

    @Test
    void unknownTargetNamesTheModelsLinears() throws Exception {
        Files.writeString(
                tmp.resolve("config.json"),
                Files.readString(Path.of(System.getProperty("nli.fixtures.dir"), "camembert-tiny", "config.json")));
        try (NDManager m = NDManager.newBaseManager()) {
            SequenceClassifier model = PretrainedModels.randomlyInitialized(ConfigReader.read(tmp), m);
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> Lora.apply(model, new LoraConfig(8, 32, 0, List.of("query_proj"), false), m))
                    .hasMessageContaining("query_proj")
                    .hasMessageContaining("query");
        }
    }
}
