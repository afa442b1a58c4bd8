package io.nlistream.trainer.onnx;

import java.util.ArrayList;
import java.util.List;

/**
 * The export's self-check: runs serialized models in ONNX Runtime on padded batches and measures how far they are
 * from a reference (transformers' expected logits, the DJL model, or the fp32 export for the variants).
 */
public final class ExportCheck {
    /** One padded batch, row-major [batch, length]; {@code expectedLogits} is known for fixture batches. */
    public record Batch(String source, long[] ids, long[] mask, int batch, int length, float[][] expectedLogits) {}

    /** Every row's logits and probabilities in batch order. */
    public record Outputs(List<float[]> logits, List<float[]> probabilities) {}

    /** Agreement of a model with its reference over {@code rows} rows. */
    public record Agreement(double maxAbsDiff, double maxProbabilityDiff, double argmaxAgreement, int rows) {}

    private ExportCheck() {}

    public static Outputs run(byte[] model, List<Batch> batches) {
        List<float[]> logits = new ArrayList<>();
        List<float[]> probabilities = new ArrayList<>();
        try (OrtModel ort = OrtModel.load(model, 0)) {
            for (Batch b : batches) {
                OrtModel.Output out = ort.run(b.ids(), b.mask(), b.batch(), b.length());
                logits.addAll(List.of(out.logits()));
                probabilities.addAll(List.of(out.probabilities()));
            }
        }
        return new Outputs(logits, probabilities);
    }

    /** A reference's outputs from its logits (one row per input row, batch order): probabilities are their softmax. */
    public static Outputs ofLogits(List<float[]> logits) {
        return new Outputs(logits, logits.stream().map(ExportCheck::softmax).toList());
    }

    public static Agreement compare(Outputs actual, Outputs reference) {
        double logits = 0;
        double probabilities = 0;
        int same = 0;
        int rows = actual.logits().size();
        for (int i = 0; i < rows; i++) {
            float[] a = actual.logits().get(i);
            float[] r = reference.logits().get(i);
            float[] pa = actual.probabilities().get(i);
            float[] pr = reference.probabilities().get(i);
            for (int j = 0; j < a.length; j++) {
                logits = Math.max(logits, Math.abs(a[j] - r[j]));
                probabilities = Math.max(probabilities, Math.abs(pa[j] - pr[j]));
            }
            if (argmax(a) == argmax(r)) {
                same++;
            }
        }
        return new Agreement(logits, probabilities, rows == 0 ? 1 : (double) same / rows, rows);
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] e = new double[logits.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            sum += e[i];
        }
        float[] p = new float[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (e[i] / sum);
        }
        return p;
    }
}
