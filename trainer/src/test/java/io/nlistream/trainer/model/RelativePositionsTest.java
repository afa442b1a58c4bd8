package io.nlistream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The DJL model's tensor form of the relative-position rule and the exporter's table give the same c2p and p2c index
 * for every (query, key) pair of every length up to the model's maximum (1–512 for mDeBERTa-v3): the ONNX graph
 * attends to the positions the DJL model does. Both slice the relative embeddings to the rows that length reaches.
 */
class RelativePositionsTest {
    private static final int TABLE_SPAN = 512; // the exporter's distance range: max(512, max_position_embeddings)

    /** Every length the model accepts: 512 for mDeBERTa-v3, 128 for the tiny fixtures' configs. */
    @ParameterizedTest(name = "buckets {0}, max relative {1}, span {2}, lengths 1-{3}")
    @CsvSource({
        "256, 512, 256, 512", // mDeBERTa-v3 / DeBERTa-v3 base
        "16, 128, 16, 128", // the tiny fixtures
        "0, 128, 128, 128" // no log buckets (DeBERTa-v2 without position_buckets)
    })
    void tensorIndicesEqualTheExportTableForEveryLength(int buckets, int maxRelative, int span, int maxLength) {
        long[] c2pTable = RelativePositions.table(TABLE_SPAN, 1, buckets, maxRelative, span);
        long[] p2cTable = RelativePositions.table(TABLE_SPAN, -1, buckets, maxRelative, span);
        try (NDManager manager = NDManager.newBaseManager();
                RelativePositions positions = new RelativePositions(manager, buckets, maxRelative, span)) {
            for (int length = 1; length <= maxLength; length++) {
                RelativePositions.Indices idx = positions.forLength(length);
                long[] c2p = idx.c2p().toLongArray();
                long[] p2c = idx.p2c().toLongArray();
                int mismatches = 0;
                long min = Long.MAX_VALUE;
                long max = Long.MIN_VALUE;
                for (int q = 0; q < length; q++) {
                    for (int k = 0; k < length; k++) {
                        int d = q - k + TABLE_SPAN - 1;
                        int i = q * length + k;
                        if (c2p[i] + idx.firstRow() != c2pTable[d] || p2c[i] + idx.firstRow() != p2cTable[d]) {
                            mismatches++;
                        }
                        min = Math.min(min, Math.min(c2p[i], p2c[i]));
                        max = Math.max(max, Math.max(c2p[i], p2c[i]));
                    }
                }
                assertThat(mismatches).as("length %d", length).isZero();
                // the rows the model slices are exactly the ones reached: the first and the last are used
                assertThat(min).as("length %d: first row used", length).isZero();
                assertThat(max).as("length %d: last row used", length).isEqualTo(idx.rows() - 1);
                idx.c2p().close();
                idx.p2c().close();
            }
        }
    }

    /**
     * The scores the model adds, through {@link RelativePositions.Indices#c2p}/{@link RelativePositions.Indices#p2c}
     * (views of a shifted slice where the positions are exact, a gather elsewhere), equal the exporter's table
     * applied by hand: c2p(i, j) = q_i · row[c2p(i − j)], p2c(i, j) = k_j · row[p2c(j − i)], for every length.
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
                    NDArray c2pRows = idx.c2pRows(rowsIn).reshape(1, 1, 1, rows);
                    float[] c2p = idx.c2p(xs.mul(c2pRows)).toFloatArray();
                    float[] p2c = idx.p2c(xs.mul(rowsIn.reshape(1, 1, 1, rows))).toFloatArray();
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
                    assertThat(mismatches)
                            .as("length %d (diagonal %s)", length, idx.diagonal())
                            .isZero();
                }
            }
        }
    }

    /** The seed's length (128) on camemberta-base's positions takes the view path; longer ones gather. */
    @Test
    void exactLengthsAreThoseWhoseDistancesAllKeepTheirRow() {
        assertThat(RelativePositions.exact(128, 256, 512, 256)).isTrue();
        assertThat(RelativePositions.exact(1, 16, 128, 16)).isTrue();
        assertThat(RelativePositions.exact(8, 16, 128, 16)).isTrue();
        assertThat(RelativePositions.exact(12, 16, 128, 16)).isFalse();
        assertThat(RelativePositions.exact(200, 256, 512, 256)).isFalse();
        assertThat(RelativePositions.exact(128, 0, 128, 128)).isTrue();
        assertThat(RelativePositions.exact(129, 0, 128, 128)).isFalse(); // beyond the span: clamped
    }

    private static long seed(int buckets, int maxRelative, int span) {
        return 31L * (31L * buckets + maxRelative) + span;
    }
}
