package io.nlistream.trainer.train;

import ai.djl.ndarray.NDArray;
import io.nlistream.trainer.model.Scalars;
import java.util.Collection;

/**
 * Dynamic loss scaling as {@code torch.cuda.amp.GradScaler} does it, for fp16 training: the loss is multiplied by the
 * scale before backward (so small fp16 gradients do not flush to zero), the gradients are divided by it before
 * clipping, and a step whose gradients hold an inf or NaN is skipped (no optimizer update; transformers' Trainer
 * then also skips the learning-rate schedule step) and halves the scale; after {@code growthInterval} clean steps in
 * a row the scale doubles. torch's defaults: scale 2^16, growth 2.0 every 2,000 steps, backoff 0.5.
 *
 * <p>{@link #disabled()} (fp32, bf16) scales by 1 and never skips. Torch has no fused foreach kernel in DJL, so the
 * check runs per gradient; LoRA's gradients are small.
 */
public final class LossScaler {
    public static final double INIT_SCALE = 65536.0;
    public static final double GROWTH_FACTOR = 2.0;
    public static final double BACKOFF_FACTOR = 0.5;
    public static final int GROWTH_INTERVAL = 2000;

    private final boolean enabled;
    private final double growthFactor;
    private final double backoffFactor;
    private final int growthInterval;
    private double scale;
    private int growthTracker;
    private long skipped;

    public LossScaler(double initScale, double growthFactor, double backoffFactor, int growthInterval) {
        if (!(initScale > 0)
                || !(growthFactor > 1)
                || !(backoffFactor > 0 && backoffFactor < 1)
                || growthInterval < 1) {
            throw new IllegalArgumentException(
                    "loss scaler needs scale > 0, growth > 1, 0 < backoff < 1, interval >= 1");
        }
        this.enabled = true;
        this.scale = initScale;
        this.growthFactor = growthFactor;
        this.backoffFactor = backoffFactor;
        this.growthInterval = growthInterval;
    }

    private LossScaler() {
        this.enabled = false;
        this.scale = 1;
        this.growthFactor = 1;
        this.backoffFactor = 1;
        this.growthInterval = Integer.MAX_VALUE;
    }

    /** torch's GradScaler with its default settings. */
    public static LossScaler dynamic() {
        return new LossScaler(INIT_SCALE, GROWTH_FACTOR, BACKOFF_FACTOR, GROWTH_INTERVAL);
    }

    /** No scaling, no skipped steps (fp32, bf16). */
    public static LossScaler disabled() {
        return new LossScaler();
    }

    public boolean enabled() {
        return enabled;
    }

    /** The current scale (1 when disabled). */
    public double scale() {
        return scale;
    }

    /** Clean steps since the last change of the scale. */
    public int growthTracker() {
        return growthTracker;
    }

    /** Steps skipped so far for inf/NaN gradients. */
    public long skippedSteps() {
        return skipped;
    }

    /** The loss to run backward on: {@code loss · scale} (the loss itself when disabled). */
    public NDArray scaleLoss(NDArray loss) {
        return enabled ? Scalars.mul(loss, (float) scale) : loss;
    }

    /**
     * Divides the gradients by the scale in place and tells whether any of them holds an inf or NaN (then the step
     * must be skipped). As torch, the reciprocal is taken in double and applied as a float.
     */
    public boolean unscaleAndCheck(Collection<NDArray> gradients) {
        if (!enabled) {
            return false;
        }
        boolean nonFinite = false;
        float inverse = (float) (1.0 / scale);
        for (NDArray g : gradients) {
            g.muli(inverse);
            if (!nonFinite) {
                try (NDArray inf = g.isInfinite();
                        NDArray anyInf = inf.any();
                        NDArray nan = g.isNaN();
                        NDArray anyNan = nan.any()) {
                    nonFinite = anyInf.getBoolean() || anyNan.getBoolean();
                }
            }
        }
        return nonFinite;
    }

    /** After a step: back off and count a skip on inf/NaN gradients, else grow after enough clean steps. */
    public void update(boolean foundNonFinite) {
        if (!enabled) {
            return;
        }
        if (foundNonFinite) {
            scale *= backoffFactor;
            growthTracker = 0;
            skipped++;
        } else if (++growthTracker == growthInterval) {
            scale *= growthFactor;
            growthTracker = 0;
        }
    }
}
