package io.nlistream.trainer.eval;

import java.util.List;
import java.util.Locale;

/**
 * Temperature scaling (Guo et al., 2017): one scalar T fitted on held-out logits by minimising the negative
 * log-likelihood of softmax(logits / T); the argmax, hence accuracy, does not change. Also the metrics that say whether
 * confidences can be trusted: expected calibration error over 15 equal-width confidence bins, NLL and the Brier score.
 *
 * <p>The fit is a golden-section search over log T in [1/100, 100]: the NLL is convex in 1/T, so a bounded 1-D search
 * finds the minimum; it is a dozen lines, and Apache Commons Math (its BrentOptimizer) is not on the classpath.
 */
public final class Calibration {
    public static final int BINS = 15;
    static final double MIN_T = 0.01;
    static final double MAX_T = 100;
    private static final double GOLDEN = (Math.sqrt(5) - 1) / 2;

    /** ECE, NLL, Brier score and accuracy of a set of probabilities. */
    public record Metrics(double ece, double nll, double brier, double accuracy) {
        public String format() {
            return String.format(
                    Locale.ROOT, "ECE %.4f  NLL %.4f  Brier %.4f  accuracy %.4f", ece, nll, brier, accuracy);
        }
    }

    /** One bin of the reliability diagram: mean confidence and accuracy of the {@code count} pairs in it. */
    public record Bin(double lower, double upper, long count, double confidence, double accuracy) {}

    /** A fitted temperature, what it was fitted on, the metrics and reliability bins before (T = 1) and after. */
    public record Fit(
            double temperature,
            String fittedOn,
            long examples,
            Metrics before,
            Metrics after,
            List<Bin> reliabilityBefore,
            List<Bin> reliabilityAfter) {}

    private Calibration() {}

    /** Fits T on {@code logits} (row-major [examples, k]) and their gold labels. */
    public static Fit fit(float[] logits, int[] gold, int k, String fittedOn) {
        check(logits, gold, k);
        double lo = Math.log(MIN_T);
        double hi = Math.log(MAX_T);
        double a = hi - GOLDEN * (hi - lo);
        double b = lo + GOLDEN * (hi - lo);
        double fa = nll(logits, gold, k, Math.exp(a));
        double fb = nll(logits, gold, k, Math.exp(b));
        while (hi - lo > 1e-6) {
            if (fa < fb) {
                hi = b;
                b = a;
                fb = fa;
                a = hi - GOLDEN * (hi - lo);
                fa = nll(logits, gold, k, Math.exp(a));
            } else {
                lo = a;
                a = b;
                fa = fb;
                b = lo + GOLDEN * (hi - lo);
                fb = nll(logits, gold, k, Math.exp(b));
            }
        }
        double t = Math.exp((lo + hi) / 2);
        return new Fit(
                t,
                fittedOn,
                gold.length,
                metrics(logits, gold, k, 1),
                metrics(logits, gold, k, t),
                List.of(reliability(probabilities(logits, k, 1), gold, k)),
                List.of(reliability(probabilities(logits, k, t), gold, k)));
    }

    /** softmax(logits / T) per row. */
    public static float[] probabilities(float[] logits, int k, double temperature) {
        float[] p = new float[logits.length];
        double[] row = new double[k];
        for (int i = 0; i < logits.length / k; i++) {
            logSoftmax(logits, i, k, temperature, row);
            for (int j = 0; j < k; j++) {
                p[i * k + j] = (float) Math.exp(row[j]);
            }
        }
        return p;
    }

    public static Metrics metrics(float[] logits, int[] gold, int k, double temperature) {
        check(logits, gold, k);
        float[] p = probabilities(logits, k, temperature);
        int[] predicted = ClassificationMetrics.argmax(p, k);
        double brier = 0;
        long correct = 0;
        for (int i = 0; i < gold.length; i++) {
            for (int j = 0; j < k; j++) {
                double d = p[i * k + j] - (j == gold[i] ? 1 : 0);
                brier += d * d;
            }
            correct += predicted[i] == gold[i] ? 1 : 0;
        }
        int n = gold.length;
        return new Metrics(
                ece(p, gold, k),
                nll(logits, gold, k, temperature),
                n == 0 ? 0 : brier / n,
                n == 0 ? 0 : (double) correct / n);
    }

    /** Expected calibration error: the count-weighted mean |accuracy − confidence| over the 15 bins. */
    public static double ece(float[] probabilities, int[] gold, int k) {
        double e = 0;
        for (Bin b : reliability(probabilities, gold, k)) {
            e += b.count() * Math.abs(b.accuracy() - b.confidence());
        }
        return gold.length == 0 ? 0 : e / gold.length;
    }

    /** The reliability diagram's bins, (lower, upper] of width 1/15 on the top probability (the first holds 0). */
    public static Bin[] reliability(float[] probabilities, int[] gold, int k) {
        long[] count = new long[BINS];
        double[] confidence = new double[BINS];
        long[] correct = new long[BINS];
        int[] predicted = ClassificationMetrics.argmax(probabilities, k);
        for (int i = 0; i < gold.length; i++) {
            double c = probabilities[i * k + predicted[i]];
            int bin = Math.min(BINS - 1, Math.max(0, (int) Math.ceil(c * BINS) - 1));
            count[bin]++;
            confidence[bin] += c;
            correct[bin] += predicted[i] == gold[i] ? 1 : 0;
        }
        Bin[] bins = new Bin[BINS];
        for (int b = 0; b < BINS; b++) {
            bins[b] = new Bin(
                    (double) b / BINS,
                    (double) (b + 1) / BINS,
                    count[b],
                    count[b] == 0 ? 0 : confidence[b] / count[b],
                    count[b] == 0 ? 0 : (double) correct[b] / count[b]);
        }
        return bins;
    }

    /** Mean negative log-likelihood of the gold labels under softmax(logits / T), in double precision. */
    public static double nll(float[] logits, int[] gold, int k, double temperature) {
        double sum = 0;
        double[] row = new double[k];
        for (int i = 0; i < gold.length; i++) {
            logSoftmax(logits, i, k, temperature, row);
            sum -= row[gold[i]];
        }
        return gold.length == 0 ? 0 : sum / gold.length;
    }

    private static void logSoftmax(float[] logits, int i, int k, double t, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            out[j] = logits[i * k + j] / t;
            max = Math.max(max, out[j]);
        }
        double sum = 0;
        for (int j = 0; j < k; j++) {
            sum += Math.exp(out[j] - max);
        }
        double log = max + Math.log(sum);
        for (int j = 0; j < k; j++) {
            out[j] -= log;
        }
    }

    private static void check(float[] logits, int[] gold, int k) {
        if (logits.length != gold.length * k) {
            throw new IllegalArgumentException(
                    logits.length + " logits for " + gold.length + " pairs of " + k + " labels");
        }
        if (gold.length == 0) {
            throw new IllegalArgumentException("no labelled pairs to calibrate on");
        }
    }
}
