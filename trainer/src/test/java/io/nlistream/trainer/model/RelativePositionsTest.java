package io.nlistream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
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
}
