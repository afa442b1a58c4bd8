package io.nlistream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The DJL model's relative scores follow the exporter's table for every (query, key) pair of every length up to the
 * model's maximum (1–512 for mDeBERTa-v3): the ONNX graph attends to the positions the DJL model does. Both project
 * only the relative-embedding rows that length reaches.
 */
class RelativePositionsTest {
    private static final int TABLE_SPAN = 512; // the exporter's distance range: max(512, max_position_embeddings)

    /** The rows the model projects are exactly those its score columns pick: the first and the last are used. */
    @ParameterizedTest(name = "buckets {0}, max relative {1}, span {2}, lengths 1-{3}")
    @CsvSource({
        "256, 512, 256, 512", // mDeBERTa-v3 / DeBERTa-v3 base
        "16, 128, 16, 128", // the tiny fixtures
        "0, 128, 128, 128" // no log buckets (DeBERTa-v2 without position_buckets)
    })
    void theReachedRowsAreExactlyThoseTheColumnsPick(int buckets, int maxRelative, int span, int maxLength) {
        try (NDManager manager = NDManager.newBaseManager();
                RelativePositions positions = new RelativePositions(manager, buckets, maxRelative, span)) {
            for (int length = 1; length <= maxLength; length++) {
                RelativePositions.Indices idx = positions.forLength(length);
                long[] c2p = idx.c2pIndex().toLongArray();
                long[] p2c = idx.p2cIndex().toLongArray();
                assertThat(c2p).as("length %d", length).hasSize(2 * length);
                long min = Math.min(
                        Arrays.stream(c2p).min().orElseThrow(),
                        Arrays.stream(p2c).min().orElseThrow());
                long max = Math.max(
                        Arrays.stream(c2p).max().orElseThrow(),
                        Arrays.stream(p2c).max().orElseThrow());
                assertThat(min).as("length %d: first row used", length).isZero();
                assertThat(max).as("length %d: last row used", length).isEqualTo(idx.rows() - 1);
            }
        }
    }

    /**
     * The scores the model adds, through {@link RelativePositions.Indices#c2p}/{@link RelativePositions.Indices#p2c}
     * (views of a shifted slice of the scores against each column's row), equal the exporter's table applied by hand,
     * inside the exact range, across the log buckets and past the span (clamped): c2p(i, j) = q_i · row[c2p(i − j)],
     * p2c(i, j) = k_j · row[p2c(j − i)], for every length.
     */
    @ParameterizedTest(name = "buckets {0}, max relative {1}, span {2}, lengths 1-{3}")
    @CsvSource({"256, 512, 256, 260", "16, 128, 16, 128", "0, 128, 128, 128"})
    void relativeScoresEqualTheTableAppliedByHand(int buckets, int maxRelative, int span, int maxLength) {
        long[] c2pTable = RelativePositions.table(TABLE_SPAN, 1, buckets, maxRelative, span);
        long[] p2cTable = RelativePositions.table(TABLE_SPAN, -1, buckets, maxRelative, span);
        Random random = new Random(seed(buckets, maxRelative, span));
        int batch = 2;
        try (NDManager manager = NDManager.newBaseManager();
                RelativePositions positions = new RelativePositions(manager, buckets, maxRelative, span)) {
            for (int length = 1; length <= maxLength; length++) {
                RelativePositions.Indices idx = positions.forLength(length);
                int rows = (int) idx.rows();
                float[] x = new float[batch * length];
                float[] row = new float[rows];
                for (int i = 0; i < x.length; i++) {
                    x[i] = random.nextFloat() - 0.5f;
                }
                for (int i = 0; i < rows; i++) {
                    row[i] = random.nextFloat() - 0.5f;
                }
                try (NDManager scope = manager.newSubManager()) {
                    // one head of dimension 1: the per-head product is x[b, i] · row[m], laid out (heads, batch,
                    // length, rows) as the model's matmul returns it
                    NDArray xs = scope.create(x, new Shape(1, batch, length, 1));
                    NDArray rowsIn = scope.create(row, new Shape(1, rows, 1));
                    int columns = 2 * length;
                    NDArray c2pRows = idx.c2pRows(rowsIn).reshape(1, 1, 1, columns);
                    NDArray p2cRows = idx.p2cRows(rowsIn).reshape(1, 1, 1, columns);
                    float[] c2p = idx.c2p(xs.mul(c2pRows)).toFloatArray();
                    float[] p2c = idx.p2c(xs.mul(p2cRows)).toFloatArray();
                    int mismatches = 0;
                    for (int b = 0; b < batch; b++) {
                        for (int i = 0; i < length; i++) {
                            for (int j = 0; j < length; j++) {
                                int out = (b * length + i) * length + j;
                                float wantC2p = x[b * length + i]
                                        * row[(int) (c2pTable[i - j + TABLE_SPAN - 1] - idx.firstRow())];
                                float wantP2c = x[b * length + j]
                                        * row[(int) (p2cTable[j - i + TABLE_SPAN - 1] - idx.firstRow())];
                                if (c2p[out] != wantC2p || p2c[out] != wantP2c) {
                                    mismatches++;
                                }
                            }
                        }
                    }
                    assertThat(mismatches).as("length %d", length).isZero();
                }
            }
        }
    }

    private static long seed(int buckets, int maxRelative, int span) {
        return 31L * (31L * buckets + maxRelative) + span;
    }
}
