package io.nlistream.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigReaderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static Path fixture(String name) {
        return Path.of(System.getProperty("nli.fixtures.dir"), name);
    }

    /** camemberta-base's real config.json (shared/data/camemberta-base), as published on the Hub. */
    static final String CAMEMBERTA_BASE = """
            {"_name_or_path": "almanach/camemberta-base", "amp": true, "architectures": ["DebertaV2Model"],
             "attention_probs_dropout_prob": 0.1, "conv_act": "gelu", "conv_kernel_size": 3, "embedding_size": 768,
             "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "hidden_size": 768, "initializer_range": 0.02,
             "intermediate_size": 3072, "layer_norm_eps": 1e-07, "max_position_embeddings": 512,
             "max_relative_positions": -1, "model_name": "camemberta-base", "model_type": "deberta-v2",
             "norm_rel_ebd": "layer_norm", "num_attention_heads": 12, "num_hidden_layers": 12, "pad_token_id": 0,
             "pooler_dropout": 0, "pooler_hidden_act": "gelu", "pooler_hidden_size": 768,
             "pos_att_type": ["p2c", "c2p"], "position_biased_input": false, "position_buckets": 256,
             "relative_attention": true, "share_att_key": true, "torch_dtype": "float32",
             "transformers_version": "4.20.1", "type_vocab_size": 0, "vocab_size": 32008}""";

    @Test
    void readsEveryCamembertaBaseField() throws Exception {
        Files.writeString(tmp.resolve("config.json"), CAMEMBERTA_BASE);
        DebertaV2Config c = (DebertaV2Config) ConfigReader.read(tmp);
        assertThat(c).isEqualTo(DebertaV2Config.camembertaBase(List.of("LABEL_0", "LABEL_1")));
        assertThat(c.relativeSpan()).isEqualTo(256);
        assertThat(c.relEmbeddingRows()).isEqualTo(512);
        assertThat(c.effectiveMaxRelativePositions()).isEqualTo(512);
        assertThat(c.c2p() && c.p2c()).isTrue();
    }

    @Test
    void readsFixtureConfigsWithLabels() {
        DebertaV2Config d = (DebertaV2Config) ConfigReader.read(fixture("deberta-tiny-a"));
        assertThat(d.labels()).containsExactly("entailment", "neutral", "contradiction");
        assertThat(d.positionBuckets()).isEqualTo(16);
        assertThat(d.relEmbeddingRows()).isEqualTo(32);
        assertThat(d.clsDropout()).isEqualTo(0f);
        RobertaConfig r = (RobertaConfig) ConfigReader.read(fixture("camembert-tiny"));
        assertThat(r.modelType()).isEqualTo("camembert");
        assertThat(r.padTokenId()).isEqualTo(1);
        assertThat(r.maxPositionEmbeddings()).isEqualTo(130);
        assertThat(r.layerNormEps()).isEqualTo(1e-5f);
        assertThat(r.numLabels()).isEqualTo(3);
    }

    @Test
    void acceptsTheStringFormOfPosAttType() throws Exception {
        ObjectNode cfg = (ObjectNode) JSON.readTree(CAMEMBERTA_BASE);
        cfg.put("pos_att_type", "c2p|p2c");
        Files.writeString(tmp.resolve("config.json"), cfg.toString());
        assertThat(((DebertaV2Config) ConfigReader.read(tmp)).posAttType()).containsExactly("c2p", "p2c");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "model_type;\"bert\"",
                "hidden_act;\"gelu_new\"",
                "pos_att_type;[\"p2p\"]",
                "norm_rel_ebd;\"batch_norm\"",
                "conv_kernel_size;4",
                "num_attention_heads;7",
                "conv_act;\"swish\"",
                "hidden_size;\"768\"",
                "relative_attention;\"yes\"",
                "id2label;{\"0\": \"a\", \"2\": \"c\"}",
            })
    void unsupportedValueFailsNamingTheField(String field, String json) throws Exception {
        ObjectNode cfg = (ObjectNode) JSON.readTree(CAMEMBERTA_BASE);
        cfg.set(field, JSON.readTree(json));
        Files.writeString(tmp.resolve("config.json"), cfg.toString());
        assertThatThrownBy(() -> ConfigReader.read(tmp))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("\"" + field + "\"");
    }

    @Test
    void robertaRejectsRelativePositionEmbeddings() throws Exception {
        ObjectNode cfg = (ObjectNode)
                JSON.readTree(fixture("camembert-tiny").resolve("config.json").toFile());
        cfg.put("position_embedding_type", "relative_key");
        Files.writeString(tmp.resolve("config.json"), cfg.toString());
        assertThatThrownBy(() -> ConfigReader.read(tmp)).hasMessageContaining("\"position_embedding_type\"");
    }

    @Test
    void missingConfigSaysWhatADirectoryNeeds() {
        assertThatThrownBy(() -> ConfigReader.read(tmp))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("config.json");
    }
}
