package io.nlistream.trainer.onnx;

/**
 * DeBERTa-v2's relative-position indices, tabulated by distance (query − key) so the graph only gathers:
 * transformers' make_log_bucket_position evaluated in float32 as torch does it, then shifted and clamped into
 * the relative-embedding table the way disentangled attention indexes c2p and p2c.
 */
final class RelativePositions {
    private RelativePositions() {}

    /** transformers' bucket of distance {@code rel}: identity near 0, logarithmic beyond bucketSize/2. */
    static long bucket(long rel, int bucketSize, int maxPosition) {
        if (bucketSize <= 0 || maxPosition <= 0) {
            return rel;
        }
        int mid = bucketSize / 2;
        long abs = (rel < mid && rel > -mid) ? mid - 1 : Math.abs(rel);
        if (abs <= mid) {
            return rel;
        }
        float ratio = (float) abs / (float) mid;
        float num = (float) Math.log(ratio);
        float den = (float) Math.log((float) ((maxPosition - 1) / (double) mid));
        float logPos = (float) Math.ceil((num / den) * (float) (mid - 1)) + mid;
        return (long) (logPos * Math.signum(rel));
    }

    /**
     * Index into the c2p (sign +1) or p2c (sign −1) score columns for distances −(span−1)..(span−1), entry
     * {@code d + span − 1}: clamp(sign·bucket(d) + attSpan, 0, 2·attSpan − 1).
     */
    static long[] table(int span, int sign, int bucketSize, int maxPosition, int attSpan) {
        long[] t = new long[2 * span - 1];
        for (int i = 0; i < t.length; i++) {
            long d = i - (span - 1);
            long v = sign * bucket(d, bucketSize, maxPosition) + attSpan;
            t[i] = Math.max(0, Math.min(2L * attSpan - 1, v));
        }
        return t;
    }
}
