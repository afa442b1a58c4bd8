package io.nlistream.trainer.parity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The acceptance of the encoders: logits and every hidden state within 1e-4 of transformers (fixtures/README.md). */
class FixtureParityTest {
    static Path fixture(String name) {
        String dir = System.getProperty("nli.fixtures.dir");
        assertThat(dir)
                .as("system property nli.fixtures.dir (set by the parent pom)")
                .isNotNull();
        return Path.of(dir, name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"deberta-tiny-a", "deberta-tiny-b", "camembert-tiny", "camemberta-vocab-tiny"})
    void matchesTransformers(String name) {
        FixtureParity.Result r = FixtureParity.check(fixture(name));
        System.out.println(name + " " + r.maxAbsDiff());
        assertThat(r.maxAbsDiff()).containsKey("logits");
        if (!name.equals("camemberta-vocab-tiny")) { // that fixture stores logits and probabilities only
            assertThat(r.maxAbsDiff())
                    .containsKeys("hidden_states.0", "hidden_states.1", "hidden_states.2", "last_hidden_state");
        }
        r.maxAbsDiff().forEach((k, d) -> assertThat(d).as(name + " " + k).isLessThanOrEqualTo(FixtureParity.TOLERANCE));
    }
}
