package io.nlistream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

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
            Seeds.set(7);
            // 1,000,000 elements: several of the generator's chunks, drawn in parallel
            NDArray x = m.randomUniform(1f, 2f, new Shape(1000, 1000)); // no zeros: a zero out means dropped
            NDArray out = Dropouts.apply(x, 0.1f, true);
            NDArray kept = out.neq(0f);
            double keptShare = kept.toType(DataType.FLOAT32, false).mean().getFloat();
            // 1,000,000 draws: the share's standard deviation is 0.0003
            assertThat(keptShare).isBetween(0.8985, 0.9015);
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
    void aSeedRepeatsTheMasksAndSuccessiveMasksDiffer() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape shape = new Shape(3, 1000, 300); // 900,000: several chunks and a tail shorter than eight
            Seeds.set(42);
            NDArray first = Dropouts.scaledMask(m, shape, 0.1f);
            NDArray second = Dropouts.scaledMask(m, shape, 0.1f);
            // each mask is its own memory: drawing the next one leaves the first as it was
            NDArray firstCopy = first.duplicate();
            Dropouts.scaledMask(m, shape, 0.1f);
            assertThat(first.contentEquals(firstCopy)).isTrue();
            assertThat(first.contentEquals(second)).isFalse();
            Seeds.set(42);
            assertThat(Dropouts.scaledMask(m, shape, 0.1f).contentEquals(first)).isTrue();
            assertThat(Dropouts.scaledMask(m, shape, 0.1f).contentEquals(second))
                    .isTrue();
            // the chunks are independent streams, not one stream repeated
            NDArray flat = first.reshape(-1);
            NDArray chunkA = flat.get("0:1000");
            NDArray chunkB = flat.get("262144:263144");
            assertThat(chunkA.contentEquals(chunkB)).isFalse();
        }
    }

    @Test
    void keepsAtTheRateForOddSizesAndRates() {
        try (NDManager m = NDManager.newBaseManager()) {
            Seeds.set(3);
            for (float rate : new float[] {0.01f, 0.5f, 0.9f}) {
                NDArray mask = Dropouts.scaledMask(m, new Shape(400_003), rate);
                assertThat(mask.getDataType()).isEqualTo(DataType.FLOAT32);
                NDArray keep = mask.neq(0f);
                // every kept element is the inverted-dropout scale, every other one 0
                assertThat(mask.sub(keep.toType(DataType.FLOAT32, false).mul(1f / (1f - rate)))
                                .abs()
                                .max()
                                .getFloat())
                        .isEqualTo(0f);
                double share = keep.toType(DataType.FLOAT32, false).mean().getFloat();
                // six standard deviations of 400,003 draws at most 0.0048
                assertThat(share).isCloseTo(1 - rate, offset(0.005));
            }
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
