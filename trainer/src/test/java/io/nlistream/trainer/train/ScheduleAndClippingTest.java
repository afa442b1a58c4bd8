package io.nlistream.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleAndClippingTest {
    @Test
    void linearScheduleMatchesTransformersWithAndWithoutWarmup() {
        LinearSchedule s = LinearSchedule.linear(2e-4, 0, 10);
        assertThat(s.lr(0)).isEqualTo(2e-4);
        assertThat(s.lr(5)).isCloseTo(1e-4, within(1e-18));
        assertThat(s.lr(9)).isCloseTo(2e-5, within(1e-18));
        assertThat(s.lr(10)).isZero();
        LinearSchedule w = LinearSchedule.linear(1.0, 4, 12);
        assertThat(List.of(w.lr(0), w.lr(2), w.lr(4), w.lr(8), w.lr(12))).containsExactly(0.0, 0.5, 1.0, 0.5, 0.0);
        assertThat(LinearSchedule.constant(3e-4).lr(1_000)).isEqualTo(3e-4);
    }

    @Test
    void clipsByTheGlobalNormLikeTorch() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {3f, 0f});
            NDArray b = m.create(new float[] {0f, 4f});
            double norm = GradientClipping.clipGlobalNorm(List.of(a, b), 1.0);
            assertThat(norm).isCloseTo(5.0, within(1e-9));
            double c = 1.0 / (5.0 + 1e-6);
            assertThat(a.toFloatArray()[0]).isCloseTo((float) (3 * c), within(1e-7f));
            assertThat(b.toFloatArray()[1]).isCloseTo((float) (4 * c), within(1e-7f));
            // Direction kept: the per-element clamp of DJL would have given (1, 1).
            assertThat(b.toFloatArray()[1] / a.toFloatArray()[0]).isCloseTo(4f / 3f, within(1e-6f));

            NDArray small = m.create(new float[] {0.3f, 0.4f});
            assertThat(GradientClipping.clipGlobalNorm(List.of(small), 1.0)).isCloseTo(0.5, within(1e-7));
            assertThat(small.toFloatArray()).containsExactly(0.3f, 0.4f);
        }
    }

    @Test
    void earlyStoppingCountsEpochsWithoutStrictImprovement() {
        EarlyStopping es = new EarlyStopping(3);
        assertThat(es.update(1, 0.50)).isTrue();
        assertThat(es.update(2, 0.60)).isTrue();
        assertThat(es.update(3, 0.60)).isFalse(); // a tie is not an improvement
        assertThat(es.update(4, 0.55)).isFalse();
        assertThat(es.shouldStop()).isFalse();
        assertThat(es.update(5, 0.59)).isFalse();
        assertThat(es.shouldStop()).isTrue();
        assertThat(es.bestEpoch()).isEqualTo(2);
        assertThat(new EarlyStopping(0).shouldStop()).isFalse();
    }
}
