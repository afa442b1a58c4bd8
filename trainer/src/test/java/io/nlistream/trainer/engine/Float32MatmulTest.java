package io.nlistream.trainer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.nlistream.trainer.engine.Float32Matmul.Kernels;
import io.nlistream.trainer.model.Precision;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which kernels a run gets, and that the setting reaches libtorch, checks itself and is restored. */
class Float32MatmulTest {
    private static final Set<String> AVX512 = Set.of("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq");
    private static final CpuFeatures ZEN4 = new CpuFeatures("AuthenticAMD", "AMD EPYC", 2400, with("avx512_bf16"));
    private static final CpuFeatures ICE_LAKE = new CpuFeatures("GenuineIntel", "Intel Xeon", 2400, AVX512);
    private static final CpuFeatures SAPPHIRE_RAPIDS =
            new CpuFeatures("GenuineIntel", "Intel Xeon", 2400, with("amx_bf16", "amx_tile"));
    private static final CpuFeatures AVX2 = new CpuFeatures("AuthenticAMD", "AMD EPYC 7B12", 2400, Set.of("avx2"));

    private static Set<String> with(String... more) {
        Set<String> s = new java.util.HashSet<>(AVX512);
        s.addAll(List.of(more));
        return s;
    }

    @Test
    void fp32TakesOneDnnOnlyWhereItIsExactAndMeasuredFaster() {
        assertThat(Float32Matmul.choose(Precision.FP32, false, ZEN4, null).kernels())
                .isEqualTo(Kernels.ONEDNN);
        assertThat(Float32Matmul.choose(Precision.FP32, false, ICE_LAKE, null).kernels())
                .isEqualTo(Kernels.MKL);
        assertThat(Float32Matmul.choose(Precision.FP32, false, SAPPHIRE_RAPIDS, "auto")
                        .kernels())
                .isEqualTo(Kernels.MKL);
        assertThat(Float32Matmul.choose(Precision.FP32, false, AVX2, null).kernels())
                .isEqualTo(Kernels.MKL);
        assertThat(Float32Matmul.choose(Precision.FP32, false, ZEN4, "MKL").kernels())
                .isEqualTo(Kernels.MKL);
        assertThat(Float32Matmul.choose(Precision.FP32, false, ICE_LAKE, "onednn")
                        .kernels())
                .isEqualTo(Kernels.ONEDNN);
        assertThat(Float32Matmul.choose(Precision.FP16, false, ZEN4, null).kernels())
                .isEqualTo(Kernels.MKL);
        assertThat(Float32Matmul.choose(Precision.FP32, true, ZEN4, null).kernels())
                .as("a GPU run leaves libtorch as it is")
                .isNull();
    }

    @Test
    void bf16IsOneDnnsAndRefusedWhereItCannotRun() {
        Float32Matmul.Choice amx = Float32Matmul.choose(Precision.BF16, false, SAPPHIRE_RAPIDS, null);
        assertThat(amx.kernels()).isEqualTo(Kernels.ONEDNN);
        assertThat(amx.bf16()).isTrue();
        assertThat(Float32Matmul.choose(Precision.BF16, false, ZEN4, null).kernels())
                .isEqualTo(Kernels.ONEDNN);
        assertThatThrownBy(() -> Float32Matmul.choose(Precision.BF16, false, AVX2, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs AVX-512")
                .hasMessageContaining("AMD EPYC 7B12")
                .hasMessageContaining("use fp32");
        assertThatThrownBy(() -> Float32Matmul.choose(Precision.BF16, true, ZEN4, null))
                .hasMessageContaining("on a GPU use fp16");
        assertThatThrownBy(() -> Float32Matmul.choose(Precision.BF16, false, ZEN4, "mkl"))
                .hasMessageContaining("drop the property");
        assertThatThrownBy(() -> Float32Matmul.choose(Precision.FP32, false, SAPPHIRE_RAPIDS, "onednn"))
                .hasMessageContaining("rounds fp32 products to bf16");
        assertThatThrownBy(() -> Float32Matmul.choose(Precision.FP32, false, AVX2, "onednn"))
                .hasMessageContaining("needs AVX-512");
        assertThatThrownBy(() -> Float32Matmul.choose(Precision.FP32, false, ZEN4, "openblas"))
                .hasMessageContaining("-Dnli.cpu.matmul=openblas: expected auto, mkl or onednn");
    }

    @Test
    void parsesTheFirstCoresFeatures() {
        CpuFeatures cpu = CpuFeatures.parse(List.of(
                "processor\t: 0",
                "vendor_id\t: AuthenticAMD",
                "model name\t: AMD EPYC 9B14",
                "cpu MHz\t\t: 2600.000",
                "flags\t\t: fpu avx2 avx512f avx512bw avx512vl avx512dq avx512_bf16",
                "",
                "processor\t: 1",
                "vendor_id\t: AuthenticAMD",
                "cpu MHz\t\t: 3100.000",
                "flags\t\t: fpu"));
        assertThat(cpu.amd()).isTrue();
        assertThat(cpu.model()).isEqualTo("AMD EPYC 9B14");
        assertThat(cpu.maxMhz()).isEqualTo(3100.0);
        assertThat(cpu.avx512Core()).isTrue();
        assertThat(cpu.amxBf16()).isFalse();
        assertThat(cpu.has("avx512_bf16")).isTrue();
    }

    /**
     * On this machine: oneDNN for fp32 either keeps exact fp32 (AVX-512 without AMX: set, probe within fp32 rounding)
     * or falls back to MKL (AMX rounds; without AVX-512 libtorch ignores it, and the probe is MKL's own product); the
     * previous setting comes back on close.
     */
    @Test
    void theSettingReachesLibtorchChecksItselfAndIsRestored() {
        CpuFeatures cpu = CpuFeatures.detect();
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThat(Float32Matmul.current()).isEqualTo(Kernels.MKL);
            Float32Matmul.Choice oneDnn = new Float32Matmul.Choice(Kernels.ONEDNN, false, "test");
            try (Float32Matmul.Applied applied = Float32Matmul.apply(oneDnn, manager)) {
                System.out.println(cpu.model() + ": " + applied.description());
                if (cpu.amxBf16()) {
                    assertThat(applied.kernels()).isEqualTo(Kernels.MKL);
                    assertThat(applied.probeDifference()).isGreaterThan(Float32Matmul.ROUNDED);
                    assertThat(Float32Matmul.current()).isEqualTo(Kernels.MKL);
                } else {
                    assertThat(applied.kernels()).isEqualTo(Kernels.ONEDNN);
                    assertThat(applied.probeDifference()).isLessThan(1e-5);
                    assertThat(Float32Matmul.current()).isEqualTo(Kernels.ONEDNN);
                }
                assertThat(applied.bf16Products()).isFalse();
            }
            assertThat(Float32Matmul.current()).isEqualTo(Kernels.MKL);
        }
    }
}
