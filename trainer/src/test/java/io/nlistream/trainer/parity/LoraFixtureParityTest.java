package io.nlistream.trainer.parity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The acceptance: LoRA training equals PEFT step for step on both fixtures (fixtures/README.md tolerances). */
class LoraFixtureParityTest {
    @ParameterizedTest
    @ValueSource(strings = {"lora-deberta-tiny", "lora-camembert-tiny"})
    void lossGradientsStepsAndLogitsMatchPeft(String name) throws Exception {
        Path dir = Path.of(System.getProperty("nli.fixtures.dir"), name);
        LoraFixtureParity.Result r = LoraFixtureParity.check(dir);
        assertThat(r.diffs())
                .containsOnlyKeys(
                        "loss", "logits0", "grads", "step1", "step5", "logits_unmerged_eval", "logits_merged_eval");
        r.diffs()
                .forEach((k, d) -> assertThat(d.pass())
                        .as(k + " max abs diff " + d.maxAbs())
                        .isTrue());
        var summary = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        assertThat(r.counts().trainable())
                .isEqualTo(summary.get("trainable_params").asLong());
        assertThat(r.counts().all()).isEqualTo(summary.get("all_params").asLong());
    }
}
