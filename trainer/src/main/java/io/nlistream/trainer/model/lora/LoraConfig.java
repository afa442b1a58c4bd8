package io.nlistream.trainer.model.lora;

import io.nlistream.trainer.checkpoint.Architecture;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A LoRA configuration as PEFT's {@code LoraConfig}: rank {@code r}, {@code alpha} (scaling alpha/r, or alpha/√r with
 * rslora), dropout on the adapter's input, the target linears by module-name suffix, and PEFT's per-module
 * {@code rank_pattern} / {@code alpha_pattern} overrides (empty for the adapters this trainer writes).
 */
public record LoraConfig(
        int r,
        double alpha,
        double dropout,
        List<String> targetModules,
        boolean useRslora,
        Map<String, Integer> rankPattern,
        Map<String, Double> alphaPattern) {
    public LoraConfig(int r, double alpha, double dropout, List<String> targetModules, boolean useRslora) {
        this(r, alpha, dropout, targetModules, useRslora, Map.of(), Map.of());
    }

    public LoraConfig {
        if (r <= 0) {
            throw new IllegalArgumentException("LoRA rank r must be positive, got " + r);
        }
        if (dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
        }
        if (targetModules == null || targetModules.isEmpty()) {
            throw new IllegalArgumentException("LoRA needs at least one target module name");
        }
        targetModules = List.copyOf(targetModules);
        rankPattern = Map.copyOf(rankPattern);
        alphaPattern = Map.copyOf(alphaPattern);
        rankPattern.forEach((k, v) -> {
            if (v <= 0) {
                throw new IllegalArgumentException("LoRA rank_pattern '" + k + "' must be positive, got " + v);
            }
        });
    }

    /** The seed's recipe: r 8, alpha 32, dropout 0.1 on the architecture's default targets. */
    public static LoraConfig seedRecipe(Architecture architecture) {
        return new LoraConfig(8, 32, 0.1, defaultTargets(architecture), false);
    }

    /** PEFT's defaults for sequence classification: the attention query and value projections. */
    public static List<String> defaultTargets(Architecture architecture) {
        return architecture.defaultLoraTargets();
    }

    /** The factor applied to B·A where no pattern overrides r or alpha. */
    public double scaling() {
        return useRslora ? alpha / Math.sqrt(r) : alpha / r;
    }

    /** The rank of the module at {@code path}: its rank_pattern entry, else {@code r}. */
    public int rank(String path) {
        return match(rankPattern, path).orElse(r);
    }

    /** The factor applied to B·A of the module at {@code path}, with its rank_pattern / alpha_pattern entries. */
    public double scaling(String path) {
        int rank = rank(path);
        double a = match(alphaPattern, path).orElse(alpha);
        return useRslora ? a / Math.sqrt(rank) : a / rank;
    }

    /** PEFT's get_pattern_key: a key is a regex matching the end of the module path at a dot boundary. */
    private static <T> Optional<T> match(Map<String, T> patterns, String path) {
        for (Map.Entry<String, T> e : patterns.entrySet()) {
            if (Pattern.compile("(.*\\.)?(" + e.getKey() + ")$").matcher(path).matches()) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }
}
