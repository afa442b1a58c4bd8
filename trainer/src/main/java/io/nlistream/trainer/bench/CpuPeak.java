package io.nlistream.trainer.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * This machine's theoretical fp32 peak from /proc/cpuinfo: cores × clock × FLOP per cycle, where a core with two
 * 256-bit FMA pipes (AVX2 + FMA, e.g. AMD Zen 2/3, Intel since Haswell) retires 2 × 8 × 2 = 32 fp32 FLOP per cycle
 * and an AVX-512 core 64. An estimate: turbo clocks and AVX frequency offsets move the real figure.
 */
public record CpuPeak(String model, int cores, double mhz, int flopsPerCycle, String isa) {

    public double gflops() {
        return cores * mhz * 1e-3 * flopsPerCycle;
    }

    public static CpuPeak detect(int cores) {
        String model = "unknown CPU";
        double mhz = 0;
        String flags = "";
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String l : lines) {
                String value = l.contains(":") ? l.substring(l.indexOf(':') + 1).trim() : "";
                if (l.startsWith("model name")) {
                    model = value;
                } else if (l.startsWith("cpu MHz")) {
                    mhz = Math.max(mhz, Double.parseDouble(value));
                } else if (l.startsWith("flags")) {
                    flags = " " + value + " ";
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the peak stays unknown (0) and the table says so
        }
        String isa;
        int perCycle;
        if (flags.contains(" avx512f ")) {
            isa = "AVX-512";
            perCycle = 64;
        } else if (flags.contains(" avx2 ") && flags.contains(" fma ")) {
            isa = "AVX2+FMA";
            perCycle = 32;
        } else if (flags.contains(" avx ")) {
            isa = "AVX";
            perCycle = 16;
        } else {
            isa = "SSE";
            perCycle = 8;
        }
        return new CpuPeak(model, cores, mhz, perCycle, isa);
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
