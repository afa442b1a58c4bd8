package io.nlistream.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One AdamW step against the PEFT fixtures (torch.optim.AdamW lr 2e-4, betas 0.9/0.999, eps 1e-8, weight decay 0.01
 * except biases/LayerNorm): from {@code init/<name>} with {@code grad/<name>}, the result must equal
 * {@code step1/<name>} within the README's 1e-5.
 */
class AdamWTest {
    static Path fixture(String name) {
        return Path.of(System.getProperty("nli.fixtures.dir", "../fixtures"), name);
    }

    static Map<String, NDArray> byPrefix(NDList all, String prefix) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (NDArray a : all) {
            if (a.getName().startsWith(prefix)) {
                out.put(a.getName().substring(prefix.length()), a);
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"lora-deberta-tiny", "lora-camembert-tiny"})
    void oneStepEqualsTorchAdamW(String fixture) throws IOException {
        try (NDManager manager = NDManager.newBaseManager();
                InputStream in = Files.newInputStream(fixture(fixture).resolve("expected.safetensors"))) {
            NDList expected = NDList.decode(manager, in);
            Map<String, NDArray> init = byPrefix(expected, "init/");
            Map<String, NDArray> grads = byPrefix(expected, "grad/");
            Map<String, NDArray> step1 = byPrefix(expected, "step1/");
            assertThat(init).isNotEmpty();
            assertThat(grads.keySet()).isEqualTo(init.keySet());
            Map<String, NDArray> params = new LinkedHashMap<>();
            init.forEach((k, v) -> params.put(k, v.duplicate()));

            new AdamW(0.9, 0.999, 1e-8, 0.01).step(params, grads, 2e-4);

            for (String name : init.keySet()) {
                float[] got = params.get(name).toFloatArray();
                float[] want = step1.get(name).toFloatArray();
                float[] before = init.get(name).toFloatArray();
                double maxDiff = 0;
                double maxMove = 0;
                for (int i = 0; i < got.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
                    maxMove = Math.max(maxMove, Math.abs(want[i] - before[i]));
                }
                assertThat(maxDiff).as("%s: max |ours - torch|", name).isLessThanOrEqualTo(1e-5);
                assertThat(maxMove).as("%s moved", name).isGreaterThan(1e-5);
            }
        }
    }

    @Test
    void decaysWeightsButNotBiasesOrNormalisation() {
        assertThat(List.of(
                        "base_model.model.classifier.modules_to_save.default.bias",
                        "deberta.encoder.LayerNorm.weight",
                        "roberta.encoder.layer.0.output.LayerNorm.weight",
                        "model.norm.weight",
                        "layer.0.post_attention_layernorm.weight",
                        "encoder.rel_embeddings_norm.weight"))
                .allMatch(AdamW.NO_DECAY);
        assertThat(List.of(
                        "base_model.model.deberta.encoder.layer.0.attention.self.query_proj.lora_A.default.weight",
                        "base_model.model.classifier.modules_to_save.default.weight",
                        "deberta.encoder.rel_embeddings.weight",
                        "normalizer.weight"))
                .noneMatch(AdamW.NO_DECAY);
    }

    @Test
    void zeroGradientShrinksOnlyTheDecayedGroupByExactlyOneMinusLrTimesWd() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("classifier.weight", manager.create(new float[] {1f, -2f}));
            params.put("classifier.bias", manager.create(new float[] {1f, -2f}));
            Map<String, NDArray> grads = new LinkedHashMap<>();
            grads.put("classifier.weight", manager.zeros(new ai.djl.ndarray.types.Shape(2)));
            grads.put("classifier.bias", manager.zeros(new ai.djl.ndarray.types.Shape(2)));
            new AdamW(0.9, 0.999, 1e-8, 0.01).step(params, grads, 0.1);
            assertThat(params.get("classifier.weight").toFloatArray()).containsExactly(0.999f, -1.998f);
            assertThat(params.get("classifier.bias").toFloatArray()).containsExactly(1f, -2f);
        }
    }
}
