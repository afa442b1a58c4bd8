package io.nlistream.trainer.model.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** adapter_config.json as PEFT writes it: every option read or refused by name (one parser: export and training). */
class PeftConfigTest {
    private static final String BASE = "{\"peft_type\": \"LORA\", \"task_type\": \"SEQ_CLS\", \"r\": 8,"
            + " \"lora_alpha\": 16, \"target_modules\": [\"query_proj\", \"value_proj\"], \"bias\": \"none\","
            + " \"layers_to_transform\": null, \"use_dora\": false, \"megatron_config\": null,"
            + " \"inference_mode\": true, ";

    private static Path adapter(Path dir, String rest) throws Exception {
        Files.writeString(dir.resolve(PeftAdapter.CONFIG_FILE), BASE + rest + "}");
        Files.write(dir.resolve(PeftAdapter.WEIGHTS_FILE), new byte[0]);
        return dir;
    }

    @Test
    void rankAndAlphaPatternsOverrideByModuleSuffix(@TempDir Path dir) throws Exception {
        LoraConfig c = PeftAdapter.readConfig(adapter(
                dir,
                "\"rank_pattern\": {\"value_proj\": 4},"
                        + " \"alpha_pattern\": {\"layer.1.attention.self.query_proj\": 32}"));
        String value = "deberta.encoder.layer.0.attention.self.value_proj";
        String query0 = "deberta.encoder.layer.0.attention.self.query_proj";
        String query1 = "deberta.encoder.layer.1.attention.self.query_proj";
        assertThat(c.rank(value)).isEqualTo(4);
        assertThat(c.scaling(value)).isEqualTo(16.0 / 4);
        assertThat(c.rank(query0)).isEqualTo(8);
        assertThat(c.scaling(query0)).isEqualTo(16.0 / 8);
        assertThat(c.scaling(query1)).isEqualTo(32.0 / 8);
        // a key matches at a dot boundary only, as PEFT's get_pattern_key
        assertThat(c.rank("deberta.encoder.layer.0.attention.self.xvalue_proj")).isEqualTo(8);
    }

    @Test
    void unsupportedOptionsAreRefusedByName(@TempDir Path dir) throws Exception {
        Path a = adapter(dir, "\"layers_to_transform\": [0], \"use_dora\": true, \"some_future_flag\": true");
        assertThatThrownBy(() -> PeftAdapter.readConfig(a))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layers_to_transform=[0] (LoRA on a subset of layers) is not supported")
                .hasMessageContaining("use_dora=true (DoRA)")
                .hasMessageContaining("some_future_flag=true (an option this trainer does not know)");
    }

    @Test
    void optionsAtTheirDefaultsAndMetadataAreAccepted(@TempDir Path dir) throws Exception {
        LoraConfig c = PeftAdapter.readConfig(adapter(
                dir,
                "\"exclude_modules\": null, \"trainable_token_indices\": null, \"peft_version\": \"0.17.0\","
                        + " \"lora_dropout\": 0.1, \"use_rslora\": true"));
        assertThat(c.r()).isEqualTo(8);
        assertThat(c.scaling()).isEqualTo(16 / Math.sqrt(8));
        assertThat(c.rankPattern()).isEmpty();
    }
}
