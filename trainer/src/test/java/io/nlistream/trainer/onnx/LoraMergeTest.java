package io.nlistream.trainer.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nlistream.trainer.parity.OnnxParity;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * base + PEFT adapter merged in Java equals PEFT's merge_and_unload (fixtures lora-*: merged/ and logits_merged_eval).
 */
class LoraMergeTest {
    static final Path FIXTURES = Path.of(System.getProperty("nli.fixtures.dir", "../fixtures"));

    private static Map<String, Tensor> weights(Path dir, Path adapter) throws Exception {
        try (OnnxExporter e = OnnxExporter.load(dir, adapter)) {
            return e.weights().asMap();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lora-deberta-tiny", "lora-camembert-tiny"})
    void mergedWeightsEqualPeftMergeAndUnload(String fixture) throws Exception {
        Path dir = FIXTURES.resolve(fixture);
        Map<String, Tensor> merged = weights(dir.resolve("base"), dir.resolve("adapter"));
        Map<String, Tensor> expected = weights(dir.resolve("merged"), null);
        Map<String, Tensor> base = weights(dir.resolve("base"), null);
        assertThat(merged.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        assertThat(maxDiff(merged, expected)).isLessThanOrEqualTo(1e-6);
        // The merge changed something: the base is not already the merged model.
        assertThat(maxDiff(base, expected)).isGreaterThan(1e-3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"lora-deberta-tiny", "lora-camembert-tiny"})
    void exportOfBasePlusAdapterMatchesMergedLogits(String fixture) throws Exception {
        Path dir = FIXTURES.resolve(fixture);
        OnnxParity.Result r = OnnxParity.check(
                dir.resolve("base"),
                dir.resolve("adapter"),
                dir.resolve("expected.safetensors"),
                "logits_merged_eval",
                null);
        assertThat(r.logitsMaxAbsDiff()).isLessThanOrEqualTo(1e-4);
    }

    @Test
    void mergeReportsWhatItChanged() throws Exception {
        Path dir = FIXTURES.resolve("lora-deberta-tiny");
        try (OnnxExporter e = OnnxExporter.load(dir.resolve("base"), dir.resolve("adapter"))) {
            assertThat(e.merge().mergedModules()).isEqualTo(4); // query + value in each of 2 layers
            assertThat(e.merge().changed())
                    .contains("deberta.encoder.layer.1.attention.self.value_proj.weight", "classifier.weight");
        }
    }

    @Test
    void refusesADirectoryThatIsNotAnAdapter(@TempDir Path empty) {
        assertThatThrownBy(() -> OnnxExporter.load(FIXTURES.resolve("lora-deberta-tiny/base"), empty))
                .hasMessageContaining("adapter_config.json")
                .hasMessageContaining("is not a PEFT adapter");
    }

    @Test
    void refusesAnAdapterForAnotherModel() {
        assertThatThrownBy(() -> OnnxExporter.load(
                        FIXTURES.resolve("lora-camembert-tiny/base"), FIXTURES.resolve("lora-deberta-tiny/adapter")))
                .hasMessageContaining("has no weight");
    }

    private static double maxDiff(Map<String, Tensor> a, Map<String, Tensor> b) {
        double m = 0;
        for (var e : b.entrySet()) {
            float[] x = a.get(e.getKey()).data();
            float[] y = e.getValue().data();
            for (int i = 0; i < x.length; i++) {
                m = Math.max(m, Math.abs(x[i] - y[i]));
            }
        }
        return m;
    }
}
