package io.nlistream.trainer.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlistream.trainer.checkpoint.DebertaV2Config;
import io.nlistream.trainer.model.RelativePositions;
import io.nlistream.trainer.parity.DjlReference;
import io.nlistream.trainer.parity.OnnxParity;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The DeBERTa-v2 export scores only the relative-embedding rows a batch's length reaches: it must give the DJL
 * model's logits at every kind of length, inside the exact range of the buckets, across the log buckets and past
 * max_position (where the reached rows are clamped to the table).
 */
class RelativeRowsExportTest {
    /** position_buckets 16, max_position_embeddings 128: log buckets from distance 8 on. */
    private static final String FIXTURE = "deberta-tiny-a";

    @Test
    void exportMatchesTheDjlModelAtLengthsOnBothSidesOfTheLogBuckets() throws Exception {
        try (OnnxExporter exporter = OnnxExporter.load(LoraMergeTest.FIXTURES.resolve(FIXTURE), null);
                DjlReference djl = new DjlReference(exporter.model())) {
            DebertaV2Config c = (DebertaV2Config) exporter.config();
            int mid = c.positionBuckets() / 2;
            int maxPosition = c.maxPositionEmbeddings();
            // 2·bucket(199) + 1 would exceed the 2·16 rows: the range is clamped at both ends
            assertThat(RelativePositions.reached(200, c.positionBuckets(), maxPosition, c.relativeSpan())
                            .count())
                    .isEqualTo(2L * c.relativeSpan());
            byte[] model = exporter.export(Precision.FP32).toByteArray();
            Random random = new Random(7);
            for (int length : List.of(1, 2, mid - 1, mid, mid + 1, mid + 2, 2 * mid + 1, 50, maxPosition, 200)) {
                ExportCheck.Batch batch = batch(random, length, c.vocabSize());
                ExportCheck.Agreement a =
                        ExportCheck.compare(ExportCheck.run(model, List.of(batch)), djl.outputs(List.of(batch)));
                assertThat(a.maxAbsDiff()).as("length %d", length).isLessThanOrEqualTo(OnnxParity.TOLERANCE);
            }
        }
    }

    /** Three rows of random tokens; the last is half padding. */
    private static ExportCheck.Batch batch(Random random, int length, int vocab) {
        int rows = 3;
        long[] ids = new long[rows * length];
        long[] mask = new long[rows * length];
        for (int i = 0; i < ids.length; i++) {
            boolean padding = i / length == rows - 1 && i % length >= Math.max(1, length / 2);
            ids[i] = padding ? 0 : 5 + random.nextInt(vocab - 5);
            mask[i] = padding ? 0 : 1;
        }
        return new ExportCheck.Batch("random", ids, mask, rows, length, null);
    }
}
