package io.nlistream.trainer.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CalibrationTest {
    private static final int K = 3;

    /**
     * Pairs whose labels follow softmax(z), seen through a model that is {@code scale} times too sure: logits scale·z.
     */
    private record Sample(float[] logits, int[] gold) {}

    private static Sample sample(int n, double scale, long seed) {
        Random r = new Random(seed);
        float[] logits = new float[n * K];
        int[] gold = new int[n];
        for (int i = 0; i < n; i++) {
            double[] z = new double[K];
            double sum = 0;
            for (int j = 0; j < K; j++) {
                z[j] = 1.5 * r.nextGaussian();
                sum += Math.exp(z[j]);
            }
            double u = r.nextDouble() * sum;
            int y = 0;
            for (double acc = Math.exp(z[0]); acc < u && y < K - 1; acc += Math.exp(z[++y])) {
                // walks to the sampled label
            }
            gold[i] = y;
            for (int j = 0; j < K; j++) {
                logits[i * K + j] = (float) (scale * z[j]);
            }
        }
        return new Sample(logits, gold);
    }

    @Test
    void temperatureOneIsTheIdentity() {
        Sample s = sample(50, 1, 1);
        float[] p = Calibration.probabilities(s.logits(), K, 1);
        for (int i = 0; i < 50; i++) {
            double sum = 0;
            for (int j = 0; j < K; j++) {
                sum += Math.exp(s.logits()[i * K + j]);
            }
            for (int j = 0; j < K; j++) {
                assertThat((double) p[i * K + j]).isCloseTo(Math.exp(s.logits()[i * K + j]) / sum, within(1e-6));
            }
        }
        Calibration.Metrics m = Calibration.metrics(s.logits(), s.gold(), K, 1);
        assertThat(m.nll()).isCloseTo(Calibration.nll(s.logits(), s.gold(), K, 1), within(0.0));
    }

    @Test
    void overConfidentModelIsBetterCalibratedOnHeldOutPairsWithAccuracyUnchanged() {
        Sample fitOn = sample(4000, 4, 2);
        Sample heldOut = sample(4000, 4, 3);
        Calibration.Fit fit = Calibration.fit(fitOn.logits(), fitOn.gold(), K, "synthetic");

        assertThat(fit.temperature()).isCloseTo(4, within(0.4));
        Calibration.Metrics before = Calibration.metrics(heldOut.logits(), heldOut.gold(), K, 1);
        Calibration.Metrics after = Calibration.metrics(heldOut.logits(), heldOut.gold(), K, fit.temperature());
        assertThat(after.ece()).isLessThan(before.ece() / 3);
        assertThat(after.nll()).isLessThan(before.nll());
        assertThat(after.brier()).isLessThan(before.brier());
        assertThat(after.accuracy()).isEqualTo(before.accuracy());
        assertThat(fit.after().nll()).isLessThan(fit.before().nll());
        assertThat(fit.examples()).isEqualTo(4000);
    }

    @Test
    void wellCalibratedModelKeepsTemperatureNearOne() {
        Sample s = sample(4000, 1, 4);
        assertThat(Calibration.fit(s.logits(), s.gold(), K, "synthetic").temperature())
                .isCloseTo(1, within(0.1));
    }

    @Test
    void eceOfAPerfectlyConfidentRightModelIsZeroAndOfAConfidentWrongOneIsOne() {
        float[] p = {1, 0, 0, 0, 1, 0};
        assertThat(Calibration.ece(p, new int[] {0, 1}, K)).isEqualTo(0.0);
        assertThat(Calibration.ece(p, new int[] {1, 2}, K)).isEqualTo(1.0);
        Calibration.Bin[] bins = Calibration.reliability(p, new int[] {0, 2}, K);
        assertThat(bins).hasSize(15);
        assertThat(bins[14].count()).isEqualTo(2);
        assertThat(bins[14].accuracy()).isEqualTo(0.5);
    }
}
