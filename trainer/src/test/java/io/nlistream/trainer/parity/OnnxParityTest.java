package io.nlistream.trainer.parity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fp32 export reproduces transformers' logits on the reference fixtures (fixtures/README.md, tolerance 1e-4). */
class OnnxParityTest {
    static final Path FIXTURES = Path.of(System.getProperty("nli.fixtures.dir", "../fixtures"));

    @ParameterizedTest
    @ValueSource(strings = {"deberta-tiny-a", "deberta-tiny-b", "camembert-tiny", "camemberta-vocab-tiny"})
    void exportMatchesTransformers(String fixture) throws Exception {
        OnnxParity.Result r = OnnxParity.check(FIXTURES.resolve(fixture));
        assertThat(r.logitsMaxAbsDiff()).as("%s logits", fixture).isLessThanOrEqualTo(1e-4);
        assertThat(r.probabilitiesMaxAbsDiff()).as("%s probabilities", fixture).isLessThanOrEqualTo(1e-4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"lora-deberta-tiny", "lora-camembert-tiny"})
    void mergedLoraExportMatchesPeftMergeAndUnload(String fixture) throws Exception {
        Path dir = FIXTURES.resolve(fixture);
        OnnxParity.Result r = OnnxParity.check(
                dir.resolve("merged"), null, dir.resolve("expected.safetensors"), "logits_merged_eval", null);
        assertThat(r.logitsMaxAbsDiff()).as("%s merged logits", fixture).isLessThanOrEqualTo(1e-4);
    }
}
