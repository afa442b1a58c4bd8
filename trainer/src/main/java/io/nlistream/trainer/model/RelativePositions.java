package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * DeBERTa-v2's relative positions, the one definition of the rule for the DJL model and the ONNX exporter:
 * transformers' {@code make_log_bucket_position} in float32, shifted by the attention span and clamped into the
 * 2·span relative embeddings, as disentangled attention indexes c2p (query − key) and p2c (key − query).
 *
 * <p>Two forms of the same rule: {@link #table} tabulates it by distance for the exporter (the graph only gathers),
 * and an instance computes the (length, length) gather indices with tensor ops for the DJL model (on the model's
 * device, cached per length: every layer and every batch of that length reuses them). RelativePositionsTest pins
 * the two equal over every length 1–512.
 *
 * <p>Where a length's positions are exact (no log bucket reached, no clamp: the seed's 128 tokens with 256 buckets),
 * the index of (query i, key j) is a plain diagonal, {@code i − j} shifted, and {@link Indices#c2p}/{@link
 * Indices#p2c} take it as views of the scores (a shifted flat slice, Transformer-XL's relative shift) instead of a
 * gather: no (batch, heads, length, length) index is read, and backward copies into a slice instead of a
 * scatter-add (GatherBackward was 7 % of the seed's backward).
 */
public final class RelativePositions implements AutoCloseable {
    /**
     * Gather indices (length, length) for content→position and position→content, relative to {@code firstRow}: a
     * sequence shorter than the span only reaches rows {@code firstRow .. firstRow + rows - 1} of the 2·span relative
     * embeddings, so only those are projected and scored.
     */
    record Indices(NDArray c2p, NDArray p2c, long firstRow, long rows, boolean diagonal) {
        /**
         * The projected relative rows (1, rows, heads·dim) in the order {@link #c2p} expects: reversed where the
         * positions are a diagonal, since a view can only walk the scores' columns forwards (flipping the rows is
         * cheap; flipping the scores would copy them).
         */
        NDArray c2pRows(NDArray rows) {
            return diagonal ? rows.flip(1) : rows;
        }

        /**
         * Content→position scores (batch, heads, query, key) from the query against the rows {@link #c2pRows}
         * ordered, laid out (heads, batch, query, rows): entry (i, j) is column c2p[i][j].
         */
        NDArray c2p(NDArray scores) {
            return pick(scores, c2p);
        }

        /**
         * Position→content scores (batch, heads, query, key) from the key against the rows, laid out (heads, batch,
         * key, rows): entry (i, j) is column p2c[j][i] of key j's row.
         */
        NDArray p2c(NDArray scores) {
            return pick(scores, p2c).transpose(0, 1, 3, 2);
        }

        /**
         * (heads, batch, L, rows) → (batch, heads, L, L): column index[i][j] of row i, by the shift where the
         * positions are a diagonal, else by a gather (the index is the same for every head and batch).
         */
        private NDArray pick(NDArray scores, NDArray index) {
            Shape s = scores.getShape();
            NDArray picked = diagonal
                    ? shift(scores)
                    : scores.gather(index.broadcast(s.get(0), s.get(1), s.get(2), s.get(2)), -1);
            return picked.transpose(1, 0, 2, 3);
        }

        /**
         * {@code out[…, i, j] = scores[…, i, L − 1 − i + j]} for scores (…, L, 2L − 1), as views: read flat, that
         * element sits at {@code (L − 1) + i·(2L − 2) + j}, so a slice starting at L − 1, seen as rows of 2L − 2,
         * holds it at (i, j).
         */
        private static NDArray shift(NDArray scores) {
            Shape s = scores.getShape();
            int d = s.dimension();
            long length = s.get(d - 2);
            long width = s.get(d - 1);
            if (length == 1) {
                return scores;
            }
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
        try (NDManager scratch = manager.newSubManager()) {
            NDArray ids = scratch.arange(0L, length, 1L, DataType.INT64);
            NDArray rel = ids.reshape(length, 1).sub(ids.reshape(1, length));
            if (buckets > 0 && maxPosition > 0) {
                rel = logBuckets(scratch, rel);
            }
            Rows reached = reached(length, buckets, maxPosition, span);
            NDArray c2p = rel.add(span).clip(0, span * 2 - 1).sub(reached.first());
            NDArray p2c = rel.neg().add(span).clip(0, span * 2 - 1).sub(reached.first());
            c2p.attach(manager);
            p2c.attach(manager);
            boolean diagonal = exact(length, buckets, maxPosition, span);
            return new Indices(c2p, p2c, reached.first(), reached.count(), diagonal);
        }
    }

    /** transformers' make_log_bucket_position: exact inside ±mid, log-spaced buckets beyond, in float32. */
    private NDArray logBuckets(NDManager scratch, NDArray rel) {
        int mid = buckets / 2;
        NDArray sign = rel.sign().toType(DataType.FLOAT32, false);
        NDArray inside = rel.lt(mid).logicalAnd(rel.gt(-mid));
        NDArray absPos = NDArrays.where(inside, scratch.full(rel.getShape(), mid - 1L), rel.abs());
        NDArray logMax =
                scratch.create((float) ((maxPosition - 1) / (double) mid)).log();
        NDArray logPos = absPos.toType(DataType.FLOAT32, false)
                .div(mid)
                .log()
                .div(logMax)
                .mul(mid - 1)
                .ceil()
                .add(mid);
        NDArray bucket = NDArrays.where(absPos.lte(mid), rel.toType(DataType.FLOAT32, false), logPos.mul(sign));
        return bucket.toType(DataType.INT64, false);
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

    /**
     * Whether every distance of a {@code length}-token sequence keeps its own row (no log bucket, no clamp), so that
     * c2p[i][j] = i − j + (length − 1) over 2·length − 1 rows.
     */
    static boolean exact(long length, int bucketSize, int maxPosition, int attSpan) {
        if (length > attSpan) {
            return false;
        }
        for (long d = 0; d < length; d++) {
            if (bucket(d, bucketSize, maxPosition) != d) {
                return false;
            }
        }
        return true;
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
            long d = i - (span - 1);
            long v = sign * bucket(d, bucketSize, maxPosition) + attSpan;
            t[i] = Math.max(0, Math.min(2L * attSpan - 1, v));
        }
        return t;
    }

    @Override
    public void close() {
        manager.close();
    }
}
