package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * DeBERTa-v2's relative positions, the one definition of the rule for the DJL model and the ONNX exporter:
 * transformers' {@code make_log_bucket_position} in float32, shifted by the attention span and clamped into the
 * 2·span relative embeddings, as disentangled attention indexes c2p (query − key) and p2c (key − query).
 *
 * <p>Both compute the scores the same way, Transformer-XL's relative shift: since the row of (query i, key j)
 * depends only on the distance i − j, each query (key) is scored against the rows of every distance, one column per
 * distance ({@link #shiftRows}), and entry (i, j) is column L − 1 − i + j of row i — a shifted flat slice of the
 * scores, read as views ({@link Indices#c2p}). Both score 2L columns, one more than the 2L − 1 distances: the last is
 * never read, but the shift then needs no special case at L = 1, and MKL runs the products ~1.3x faster at even
 * widths (5.7 ms against 8.1 for a 12 × 4096 × 64 × 256 product, 3 Dec 2026). No (batch, heads, length, length)
 * index is built or read, and backward copies into a slice instead of a scatter-add. The exporter tabulates the
 * rows by distance ({@link #table}) for its dynamic length; an instance computes them per length for the DJL model,
 * cached (every layer and every batch of that length reuses them). RelativePositionsTest pins the scores to the table
 * applied by hand over every length.
 */
public final class RelativePositions implements AutoCloseable {
    /**
     * One length's rows, relative to {@code firstRow}: a sequence shorter than the span only reaches rows {@code
     * firstRow .. firstRow + rows - 1} of the 2·span relative embeddings, so only those are projected; {@code
     * c2pIndex} and {@code p2cIndex} (2·length each) pick, for every column of the shifted scores, its row.
     */
    record Indices(NDArray c2pIndex, NDArray p2cIndex, long firstRow, long rows) {
        /** The projected relative rows (1, rows, heads·dim) as the (1, 2L, heads·dim) columns c2p reads. */
        NDArray c2pRows(NDArray projected) {
            return pick(projected, c2pIndex);
        }

        /** The same for {@link #p2c}. */
        NDArray p2cRows(NDArray projected) {
            return pick(projected, p2cIndex);
        }

        /**
         * Content→position scores (batch, heads, query, key) from the query against the {@link #c2pRows}, laid out
         * (heads, batch, query, 2L).
         */
        NDArray c2p(NDArray scores) {
            return shift(scores).transpose(1, 0, 2, 3);
        }

        /**
         * Position→content scores (batch, heads, query, key) from the key against the {@link #p2cRows}, laid out
         * (heads, batch, key, 2L): entry (i, j) is the shifted entry (j, i).
         */
        NDArray p2c(NDArray scores) {
            return shift(scores).transpose(1, 0, 3, 2);
        }

        private static NDArray pick(NDArray projected, NDArray index) {
            return projected.get(new NDIndex(":, {}", index));
        }

        /**
         * {@code out[…, i, j] = scores[…, i, L − 1 − i + j]} for scores (…, L, 2L), as views: read flat, that
         * element sits at {@code (L − 1) + i·(2L − 1) + j}, so a slice starting at L − 1, seen as rows of 2L − 1,
         * holds it at (i, j).
         */
        private static NDArray shift(NDArray scores) {
            Shape s = scores.getShape();
            int d = s.dimension();
            long length = s.get(d - 2);
            long width = s.get(d - 1);
            Shape lead = s.slice(0, d - 2);
            NDArray flat = scores.reshape(lead.add(length * width));
            NDArray shifted = flat.get(new NDIndex("..., {}:{}", length - 1, length - 1 + length * (width - 1)));
            return shifted.reshape(lead.addAll(new Shape(length, width - 1))).get(new NDIndex("..., :{}", length));
        }
    }

    private final int buckets;
    private final int maxPosition;
    private final int span;
    private final NDManager manager;
    private final Map<Long, Indices> cache = new ConcurrentHashMap<>();

    RelativePositions(NDManager parent, int buckets, int maxPosition, int span) {
        this.manager = parent.newSubManager();
        this.buckets = buckets;
        this.maxPosition = maxPosition;
        this.span = span;
    }

    Indices forLength(long length) {
        return cache.computeIfAbsent(length, this::compute);
    }

    private Indices compute(long length) {
        Rows reached = reached(length, buckets, maxPosition, span);
        long[] c2p = shiftRows(length, 1, buckets, maxPosition, span);
        long[] p2c = shiftRows(length, -1, buckets, maxPosition, span);
        for (int c = 0; c < c2p.length; c++) {
            c2p[c] -= reached.first();
            p2c[c] -= reached.first();
        }
        return new Indices(manager.create(c2p), manager.create(p2c), reached.first(), reached.count());
    }

    /**
     * The relative-embedding row of each column of the shifted scores of a {@code length}-token sequence: column c
     * holds distance L − 1 − c, for c in [0, 2L − 1); column 2L − 1, never read, repeats column 2L − 2's row, so
     * every column picks a row the sequence reaches.
     */
    static long[] shiftRows(long length, int sign, int bucketSize, int maxPosition, int attSpan) {
        long[] rows = new long[(int) (2 * length)];
        for (int c = 0; c < rows.length - 1; c++) {
            rows[c] = row(length - 1 - c, sign, bucketSize, maxPosition, attSpan);
        }
        rows[rows.length - 1] = rows[rows.length - 2];
        return rows;
    }

    /** The row of distance {@code d}: clamp(sign·bucket(d) + attSpan, 0, 2·attSpan − 1). */
    private static long row(long d, int sign, int bucketSize, int maxPosition, int attSpan) {
        long v = sign * bucket(d, bucketSize, maxPosition) + attSpan;
        return Math.max(0, Math.min(2L * attSpan - 1, v));
    }

    /** transformers' bucket of distance {@code rel}: identity near 0, logarithmic beyond bucketSize/2. */
    public static long bucket(long rel, int bucketSize, int maxPosition) {
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

    /** Rows {@code first .. first + count - 1} of the 2·attSpan relative embeddings. */
    public record Rows(long first, long count) {}

    /**
     * The relative-embedding rows c2p and p2c reach in a sequence of {@code length} (≥ 1) tokens. The bucket is odd
     * and non-decreasing in the distance, so the extremes are the distances ±(length − 1) and p2c reaches the
     * rows c2p does; RelativePositionsTest checks that both ends of the range are reached and nothing outside it.
     */
    public static Rows reached(long length, int bucketSize, int maxPosition, int attSpan) {
        long far = bucket(length - 1, bucketSize, maxPosition);
        long first = Math.max(0, attSpan - far);
        long last = Math.min(2L * attSpan - 1, attSpan + far);
        return new Rows(first, last - first + 1);
    }

    /**
     * Index into the c2p (sign +1) or p2c (sign −1) score columns for distances −(span−1)..(span−1), entry
     * {@code d + span − 1}: clamp(sign·bucket(d) + attSpan, 0, 2·attSpan − 1).
     */
    public static long[] table(int span, int sign, int bucketSize, int maxPosition, int attSpan) {
        long[] t = new long[2 * span - 1];
        for (int i = 0; i < t.length; i++) {
            t[i] = row(i - (span - 1), sign, bucketSize, maxPosition, attSpan);
        }
        return t;
    }

    @Override
    public void close() {
        manager.close();
    }
}
