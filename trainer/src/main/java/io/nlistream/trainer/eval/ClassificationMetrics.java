package io.nlistream.trainer.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * Accuracy, macro/weighted F1, per-class precision/recall/F1/support and the confusion matrix, with sklearn's
 * definitions: a class with no predicted (or no true) examples gets precision (or recall) 0 (zero_division=0), and the
 * averages run over the labels that occur in the gold or the predicted labels, as {@code f1_score(y, p, average=...)}
 * does without an explicit label list.
 *
 * @param confusion {@code confusion[gold][predicted]} counts, rows and columns in {@code labels} order
 * @param loss mean cross-entropy over the examples, NaN when not computed
 * @param ece expected calibration error of the probabilities ({@link Calibration}, 15 bins), null when not computed
 *     (metrics written before it existed)
 */
public record ClassificationMetrics(
        List<String> labels,
        long examples,
        double accuracy,
        double macroF1,
        double weightedF1,
        double macroPrecision,
        double macroRecall,
        double loss,
        List<ClassMetrics> perClass,
        long[][] confusion,
        Double ece) {

    /** These metrics with the ECE of the probabilities they were computed from. */
    public ClassificationMetrics withEce(double value) {
        return new ClassificationMetrics(
                labels,
                examples,
                accuracy,
                macroF1,
                weightedF1,
                macroPrecision,
                macroRecall,
                loss,
                perClass,
                confusion,
                value);
    }

    public static ClassificationMetrics of(int[] gold, int[] predicted, List<String> labels, double loss) {
        if (gold.length != predicted.length) {
            throw new IllegalArgumentException(gold.length + " gold labels but " + predicted.length + " predictions");
        }
        int k = labels.size();
        long[][] confusion = new long[k][k];
        for (int i = 0; i < gold.length; i++) {
            confusion[gold[i]][predicted[i]]++;
        }
        long correct = 0;
        List<ClassMetrics> perClass = new ArrayList<>();
        double macroF1 = 0;
        double macroP = 0;
        double macroR = 0;
        double weighted = 0;
        int present = 0;
        for (int c = 0; c < k; c++) {
            long tp = confusion[c][c];
            long support = 0;
            long predictedC = 0;
            for (int j = 0; j < k; j++) {
                support += confusion[c][j];
                predictedC += confusion[j][c];
            }
            correct += tp;
            double p = predictedC == 0 ? 0 : (double) tp / predictedC;
            double r = support == 0 ? 0 : (double) tp / support;
            double f1 = tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + (predictedC - tp) + (support - tp));
            perClass.add(new ClassMetrics(labels.get(c), p, r, f1, support));
            if (support > 0 || predictedC > 0) {
                present++;
                macroF1 += f1;
                macroP += p;
                macroR += r;
            }
            weighted += f1 * support;
        }
        long n = gold.length;
        return new ClassificationMetrics(
                List.copyOf(labels),
                n,
                n == 0 ? 0 : (double) correct / n,
                present == 0 ? 0 : macroF1 / present,
                n == 0 ? 0 : weighted / n,
                present == 0 ? 0 : macroP / present,
                present == 0 ? 0 : macroR / present,
                loss,
                perClass,
                confusion,
                null);
    }

    /** Index of the largest logit per row. */
    public static int[] argmax(float[] logits, int numLabels) {
        int rows = logits.length / numLabels;
        int[] out = new int[rows];
        for (int i = 0; i < rows; i++) {
            int best = 0;
            for (int j = 1; j < numLabels; j++) {
                if (logits[i * numLabels + j] > logits[i * numLabels + best]) {
                    best = j;
                }
            }
            out[i] = best;
        }
        return out;
    }
}
