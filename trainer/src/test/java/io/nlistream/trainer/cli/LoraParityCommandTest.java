package io.nlistream.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nlistream.trainer.checkpoint.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code parity DIR} on a PEFT LoRA step fixture: same JSON + exit-code contract as the model fixtures. */
class LoraParityCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void loraFixturePassesWithEveryDifferenceReported() throws Exception {
        CliRun run = CliRun.run(
                "parity", ParityCommandTest.fixture("lora-deberta-tiny").toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = JSON.readTree(run.out());
        assertThat(json.get("pass").asBoolean()).isTrue();
        for (String k : new String[] {"loss", "grads", "step1", "step5"}) {
            assertThat(json.get(k + "_max_abs_diff").asDouble()).as(k).isLessThanOrEqualTo(1e-5);
        }
        assertThat(json.get("logits_merged_eval_max_abs_diff").asDouble()).isLessThan(1e-4);
        assertThat(json.get("lora").asText()).startsWith("trainable params: 4,291 || all params: 128,774");
    }

    @Test
    void aStepOverToleranceExitsOne() throws Exception {
        Path src = ParityCommandTest.fixture("lora-camembert-tiny");
        Path dir = tmp.resolve("fixture");
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : files.toList()) {
                Path to = dir.resolve(src.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
        String key = "step5/base_model.model.classifier.modules_to_save.default.out_proj.bias";
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> expected =
                    new LinkedHashMap<>(Safetensors.read(dir.resolve("expected.safetensors"), m));
            expected.put(key, expected.get(key).add(1e-3f));
            Safetensors.write(dir.resolve("expected.safetensors"), expected, Map.of(), Safetensors.FloatFormat.F32);
        }
        CliRun run = CliRun.run("parity", dir.toString());
        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        JsonNode json = JSON.readTree(run.out());
        assertThat(json.get("pass").asBoolean()).isFalse();
        assertThat(json.get("step5_max_abs_diff").asDouble()).isGreaterThan(9e-4);
        assertThat(json.get("step1_max_abs_diff").asDouble()).isLessThanOrEqualTo(1e-5);
    }
}
