package io.nlistream.trainer.train;

/**
 * transformers' {@code get_linear_schedule_with_warmup}: the learning rate of optimizer step k (0-based) rises
 * linearly from 0 over {@code warmupSteps}, then falls linearly to 0 at {@code totalSteps}. {@code constant()} keeps it
 * flat (what the LoRA fixtures used).
 */
public record LinearSchedule(double baseLr, long warmupSteps, long totalSteps, boolean decay) {
    public static LinearSchedule linear(double baseLr, long warmupSteps, long totalSteps) {
        return new LinearSchedule(baseLr, warmupSteps, totalSteps, true);
    }

    public static LinearSchedule constant(double baseLr) {
        return new LinearSchedule(baseLr, 0, 0, false);
    }

    public double lr(long step) {
        if (!decay) {
            return baseLr;
        }
        if (step < warmupSteps) {
            return baseLr * step / Math.max(1, warmupSteps);
        }
        return baseLr * Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
    }
}
