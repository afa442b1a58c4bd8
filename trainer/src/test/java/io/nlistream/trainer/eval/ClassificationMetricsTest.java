package io.nlistream.trainer.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.nlistream.schemas.Labels;
import org.junit.jupiter.api.Test;

/** Values computed by hand from sklearn's definitions (precision_recall_fscore_support, zero_division=0). */
class ClassificationMetricsTest {
    private static final double EPS = 1e-12;

    @Test
    void matchesHandComputedSklearnValues() {
        int[] gold = {0, 0, 0, 1, 1, 2, 2, 2, 2, 2};
        int[] pred = {0, 1, 0, 1, 2, 2, 2, 0, 2, 1};
        ClassificationMetrics m = ClassificationMetrics.of(gold, pred, Labels.CONTRACT, 0.5);
        assertThat(m.confusion()).isDeepEqualTo(new long[][] {{2, 1, 0}, {0, 1, 1}, {1, 1, 3}});
        assertThat(m.accuracy()).isCloseTo(0.6, within(EPS));
        // entailment: tp 2, predicted 3, support 3; neutral: tp 1, predicted 3, support 2; contradiction: tp 3,
        // predicted 4, support 5
        assertThat(m.perClass().get(0).precision()).isCloseTo(2.0 / 3, within(EPS));
        assertThat(m.perClass().get(0).recall()).isCloseTo(2.0 / 3, within(EPS));
        assertThat(m.perClass().get(1).precision()).isCloseTo(1.0 / 3, within(EPS));
        assertThat(m.perClass().get(1).recall()).isCloseTo(0.5, within(EPS));
        assertThat(m.perClass().get(1).f1()).isCloseTo(0.4, within(EPS));
        assertThat(m.perClass().get(2).precision()).isCloseTo(0.75, within(EPS));
        assertThat(m.perClass().get(2).recall()).isCloseTo(0.6, within(EPS));
        assertThat(m.perClass().get(2).f1()).isCloseTo(2.0 / 3, within(EPS));
        assertThat(m.perClass()).extracting(ClassMetrics::support).containsExactly(3L, 2L, 5L);
        assertThat(m.macroF1()).isCloseTo((2.0 / 3 + 0.4 + 2.0 / 3) / 3, within(EPS));
        assertThat(m.weightedF1()).isCloseTo((2.0 / 3 * 3 + 0.4 * 2 + 2.0 / 3 * 5) / 10, within(EPS));
        assertThat(m.macroPrecision()).isCloseTo((2.0 / 3 + 1.0 / 3 + 0.75) / 3, within(EPS));
        assertThat(m.macroRecall()).isCloseTo((2.0 / 3 + 0.5 + 0.6) / 3, within(EPS));
        assertThat(m.loss()).isEqualTo(0.5);
        assertThat(m.examples()).isEqualTo(10);
    }

    @Test
    void neverPredictedClassScoresZeroAndAbsentLabelsLeaveTheAverages() {
        // sklearn: f1_score([0,1], [0,0], average='macro') == 1/3 (label 2 occurs nowhere, label 1 gets 0)
        ClassificationMetrics m =
                ClassificationMetrics.of(new int[] {0, 1}, new int[] {0, 0}, Labels.CONTRACT, Double.NaN);
        assertThat(m.perClass().get(1).precision()).isZero();
        assertThat(m.perClass().get(1).f1()).isZero();
        assertThat(m.perClass().get(0).f1()).isCloseTo(2.0 / 3, within(EPS));
        assertThat(m.macroF1()).isCloseTo(1.0 / 3, within(EPS));
        assertThat(m.weightedF1()).isCloseTo(1.0 / 3, within(EPS));
        assertThat(m.accuracy()).isCloseTo(0.5, within(EPS));
    }

    @Test
    void perfectPredictionsScoreOne() {
        int[] y = {2, 1, 0, 0, 2};
        ClassificationMetrics m = ClassificationMetrics.of(y, y.clone(), Labels.CONTRACT, 0.01);
        assertThat(m.accuracy()).isEqualTo(1.0);
        assertThat(m.macroF1()).isEqualTo(1.0);
        assertThat(m.weightedF1()).isEqualTo(1.0);
    }

    @Test
    void argmaxPicksTheFirstLargestLogitPerRow() {
        float[] logits = {0.1f, 2f, -1f, 3f, 3f, 0f, -5f, -4f, -3f};
        assertThat(ClassificationMetrics.argmax(logits, 3)).containsExactly(1, 0, 2);
    }
}
