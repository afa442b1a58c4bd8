package io.nlistream.trainer.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** base + PEFT adapter merged in Java equals PEFT's merge_and_unload (fixtures lora-*: merged/ and logits_merged_eval). */
class LoraMergeTest {
    static final Path FIXTURES = OnnxParityTest.FIXTURES;

    @ParameterizedTest
    @ValueSource(strings = {"lora-deberta-tiny", "lora-camembert-tiny"})
    void mergedWeightsEqualPeftMergeAndUnload(String fixture) throws Exception {
        Path dir = FIXTURES.resolve(fixture);
        Weights weights = OnnxExporter.readWeights(dir.resolve("base"));
        LoraMerge.Summary summary = LoraMerge.merge(weights, dir.resolve("adapter"));
        assertThat(summary.mergedModules()).isEqualTo(4); // query + value in each of 2 layers

        Map<String, Tensor> expected = OnnxExporter.readWeights(dir.resolve("merged")).asMap();
        assertThat(weights.asMap().keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        double maxDiff = 0;
        for (var e : expected.entrySet()) {
            float[] actual = weights.get(e.getKey()).data();
            for (int i = 0; i < actual.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(actual[i] - e.getValue().data()[i]));
            }
        }
        assertThat(maxDiff).isLessThanOrEqualTo(1e-6);
        // The merge changed something: the base is not already the merged model.
        Tensor baseQuery = OnnxExporter.readWeights(dir.resolve("base")).asMap().entrySet().stream()
                .filter(e -> e.getKey().endsWith("layer.0.attention.self." + (fixture.contains("deberta") ? "query_proj" : "query") + ".weight"))
                .findFirst().orElseThrow().getValue();
        assertThat(maxAbs(baseQuery.data(), expected.get(
                fixture.contains("deberta") ? "deberta.encoder.layer.0.attention.self.query_proj.weight" : "roberta.encoder.layer.0.attention.self.query.weight").data()))
                .isGreaterThan(1e-3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"lora-deberta-tiny", "lora-camembert-tiny"})
    void exportOfBasePlusAdapterMatchesMergedLogits(String fixture) throws Exception {
        Path dir = FIXTURES.resolve(fixture);
        byte[] model = OnnxExporter.load(dir.resolve("base"), dir.resolve("adapter")).export(Precision.FP32).toByteArray();
        OnnxParity.Result r = OnnxParity.compare(model, Safetensors.open(dir.resolve("expected.safetensors")), "logits_merged_eval", null);
        assertThat(r.logitsMaxAbsDiff()).isLessThanOrEqualTo(1e-4);
    }

    @Test
    void refusesADirectoryThatIsNotAnAdapter(@TempDir Path empty) throws Exception {
        Weights weights = OnnxExporter.readWeights(FIXTURES.resolve("lora-deberta-tiny/base"));
        assertThatThrownBy(() -> LoraMerge.merge(weights, empty))
                .hasMessageContaining("adapter_config.json").hasMessageContaining("is not a PEFT adapter");
    }

    @Test
    void refusesAnAdapterForAnotherModel() throws Exception {
        Weights camembert = OnnxExporter.readWeights(FIXTURES.resolve("lora-camembert-tiny/base"));
        assertThatThrownBy(() -> LoraMerge.merge(camembert, FIXTURES.resolve("lora-deberta-tiny/adapter")))
                .hasMessageContaining("has no weight");
    }

    private static double maxAbs(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
