package io.nlistream.trainer.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The CPU as the engine's kernels see it, from {@code /proc/cpuinfo} (Linux; elsewhere nothing is known and every
 * feature reads absent). The flags are the kernel's names, e.g. {@code avx512f}, {@code amx_bf16}.
 *
 * @param vendor {@code vendor_id}, e.g. GenuineIntel, AuthenticAMD
 * @param model {@code model name}
 * @param maxMhz the highest {@code cpu MHz} of the listed cores
 */
public record CpuFeatures(String vendor, String model, double maxMhz, Set<String> flags) {

    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    public CpuFeatures {
        flags = Set.copyOf(flags);
    }

    /** This machine's CPU (the first listed core's vendor, model and flags). */
    public static CpuFeatures detect() {
        try {
            return parse(Files.readAllLines(CPUINFO));
        } catch (IOException | RuntimeException e) {
            return new CpuFeatures("unknown", "unknown CPU", 0, Set.of());
        }
    }

    static CpuFeatures parse(List<String> cpuinfo) {
        String vendor = "unknown";
        String model = "unknown CPU";
        double mhz = 0;
        Set<String> flags = null;
        for (String l : cpuinfo) {
            int colon = l.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = l.substring(0, colon).trim();
            String value = l.substring(colon + 1).trim();
            switch (key) {
                case "vendor_id" -> vendor = vendor.equals("unknown") ? value : vendor;
                case "model name" -> model = model.equals("unknown CPU") ? value : model;
                case "cpu MHz" -> mhz = Math.max(mhz, Double.parseDouble(value));
                case "flags" -> {
                    if (flags == null) {
                        flags = Arrays.stream(value.split("\\s+")).collect(Collectors.toSet());
                    }
                }
                default -> {}
            }
        }
        return new CpuFeatures(vendor, model, mhz, flags == null ? Set.of() : flags);
    }

    public boolean has(String flag) {
        return flags.contains(flag);
    }

    /** oneDNN's {@code avx512_core} level (F, BW, VL, DQ): the least its bf16 paths, and libtorch's, run on. */
    public boolean avx512Core() {
        return has("avx512f") && has("avx512bw") && has("avx512vl") && has("avx512dq");
    }

    /** AMX with bf16 tiles (Intel Sapphire Rapids and later): the only CPUs where oneDNN multiplies fp32 in bf16. */
    public boolean amxBf16() {
        return has("amx_bf16") && has("amx_tile");
    }

    public boolean amd() {
        return vendor.equals("AuthenticAMD");
    }
}
