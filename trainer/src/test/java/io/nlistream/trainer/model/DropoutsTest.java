package io.nlistream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/** Dropout as PyTorch defines it: zero with probability p, the rest scaled by 1/(1-p), the gradient masked alike. */
class DropoutsTest {
    @Test
    void dropsAtTheRateAndScalesWhatItKeeps() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(7);
            NDArray x = m.randomUniform(1f, 2f, new Shape(200, 500)); // no zeros: a zero out means dropped
            NDArray out = Dropouts.apply(x, 0.1f, true);
            NDArray kept = out.neq(0f);
            double keptShare = kept.toType(DataType.FLOAT32, false).mean().getFloat();
            // 100,000 draws: the share's standard deviation is 0.00095
            assertThat(keptShare).isBetween(0.895, 0.905);
            NDArray expectedKept = x.mul(1f / 0.9f).mul(kept);
            assertThat(out.sub(expectedKept).abs().max().getFloat()).isLessThan(1e-6f);
            assertThat(out.getDataType()).isEqualTo(x.getDataType());
        }
    }

    @Test
    void theGradientPassesOnlyWhereTheInputWasKept() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomUniform(1f, 2f, new Shape(64, 64));
            x.setRequiresGradient(true);
            NDArray out;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                out = Dropouts.apply(x, 0.25f, true);
                gc.backward(out.sum());
            }
            NDArray expected = out.neq(0f).toType(x.getDataType(), false).mul(1f / 0.75f);
            assertThat(x.getGradient().sub(expected).abs().max().getFloat()).isLessThan(1e-6f);
        }
    }

    @Test
    void isTheIdentityOutsideTrainingAndAtRateZero() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomUniform(1f, 2f, new Shape(8, 8));
            assertThat(Dropouts.apply(x, 0.1f, false)).isSameAs(x);
            assertThat(Dropouts.apply(x, 0f, true)).isSameAs(x);
        }
    }
}
