package io.nlistream.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.nlistream.trainer.model.LoadedModel;
import io.nlistream.trainer.model.PretrainedModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A checkpoint published in F16 or BF16 loads as F32 with each weight equal to the rounded original, and the model
 * still classifies the fixture batch like the F32 reference (within the precision the format keeps).
 */
class SixteenBitCheckpointTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(
            value = Safetensors.FloatFormat.class,
            names = {"F16", "BF16"})
    void loadsHalfPrecisionCheckpoint(Safetensors.FloatFormat format) throws Exception {
        Path fixture = Path.of(System.getProperty("nli.fixtures.dir"), "deberta-tiny-a");
        Files.copy(fixture.resolve("config.json"), tmp.resolve("config.json"));
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> original = Safetensors.read(fixture.resolve("model.safetensors"), m);
            Safetensors.write(tmp.resolve("model.safetensors"), original, Map.of("format", "pt"), format);
            assertThat(Safetensors.header(tmp.resolve("model.safetensors")).values())
                    .allSatisfy(t -> assertThat(t.dtype()).isEqualTo(format.name()));

            LoadedModel loaded = PretrainedModels.load(tmp, m);
            assertThat(loaded.report().clean()).isTrue();
            float relative = format == Safetensors.FloatFormat.F16 ? 0x1p-11f : 0x1p-8f;
            loaded.model().namedParameters().forEach((name, p) -> {
                NDArray w = p.getArray();
                assertThat(w.getDataType()).isEqualTo(DataType.FLOAT32);
                float[] got = w.toFloatArray();
                float[] want = original.get(name).toFloatArray();
                for (int i = 0; i < want.length; i++) {
                    // F16 keeps 11 significant bits, BF16 8; F16 subnormals have an absolute step of 2^-24
                    assertThat(Math.abs(got[i] - want[i]))
                            .as("%s[%d]", name, i)
                            .isLessThanOrEqualTo(Math.abs(want[i]) * relative + 0x1p-24f);
                }
            });

            Map<String, NDArray> expected = Safetensors.read(fixture.resolve("expected.safetensors"), m);
            try (NDManager batch = m.newSubManager()) {
                NDArray logits = loaded.model()
                        .classify(
                                new ParameterStore(batch, false),
                                expected.get("input_ids"),
                                expected.get("attention_mask"),
                                false,
                                false)
                        .logits();
                float diff = logits.sub(expected.get("logits")).abs().max().getFloat();
                assertThat(diff).isGreaterThan(0f).isLessThan(format == Safetensors.FloatFormat.F16 ? 2e-3f : 2e-2f);
            }
        }
    }
}
