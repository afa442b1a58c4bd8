package io.nlistream.trainer.bench;

import io.nlistream.trainer.engine.CpuFeatures;
import java.util.Locale;

/**
 * This machine's theoretical fp32 peak from its CPU's features ({@link CpuFeatures}): cores × clock × FLOP per cycle, where a core with two
 * 256-bit FMA pipes (AVX2 + FMA, e.g. AMD Zen 2/3, Intel since Haswell) retires 2 × 8 × 2 = 32 fp32 FLOP per cycle
 * and an AVX-512 core 64. An estimate: turbo clocks and AVX frequency offsets move the real figure.
 */
public record CpuPeak(String model, int cores, double mhz, int flopsPerCycle, String isa) {

    public double gflops() {
        return cores * mhz * 1e-3 * flopsPerCycle;
    }

    public static CpuPeak detect(int cores) {
        CpuFeatures cpu = CpuFeatures.detect(); // not Linux: the peak stays unknown (0) and the table says so
        String isa;
        int perCycle;
        if (cpu.has("avx512f")) {
            isa = "AVX-512";
            perCycle = 64;
        } else if (cpu.has("avx2") && cpu.has("fma")) {
            isa = "AVX2+FMA";
            perCycle = 32;
        } else if (cpu.has("avx")) {
            isa = "AVX";
            perCycle = 16;
        } else {
            isa = "SSE";
            perCycle = 8;
        }
        return new CpuPeak(cpu.model(), cores, cpu.maxMhz(), perCycle, isa);
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "%s, %d core(s) × %.0f MHz × %d fp32 FLOP/cycle (%s, 2 FMA pipes) = %.1f GFLOP/s",
                model,
                cores,
                mhz,
                flopsPerCycle,
                isa,
                gflops());
    }
}
