package io.nlistream.trainer.model.lora;

import io.nlistream.trainer.checkpoint.Architecture;
import java.util.List;

/**
 * A LoRA configuration as PEFT's {@code LoraConfig}: rank {@code r}, {@code alpha} (scaling alpha/r, or alpha/√r with
 * rslora), dropout on the adapter's input, and the target linears by module-name suffix.
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targetModules, boolean useRslora) {
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
    }

    /** The seed's recipe: r 8, alpha 32, dropout 0.1 on the architecture's default targets. */
    public static LoraConfig seedRecipe(Architecture architecture) {
        return new LoraConfig(8, 32, 0.1, defaultTargets(architecture), false);
    }

    /** PEFT's defaults for sequence classification: the attention query and value projections. */
    public static List<String> defaultTargets(Architecture architecture) {
        return architecture == Architecture.DEBERTA_V2 ? List.of("query_proj", "value_proj") : List.of("query", "value");
    }

    /** The factor applied to B·A. */
    public double scaling() {
        return useRslora ? alpha / Math.sqrt(r) : alpha / r;
    }
}
