package io.nlistream.trainer.parity;

import io.nlistream.trainer.onnx.ExportCheck;
import java.util.ArrayList;
import java.util.List;

/** The model the export must reproduce (the DJL implementation of the checkpoint): logits for one padded batch. */
public interface ReferenceModel extends AutoCloseable {
    /** A short description for messages and the manifest ("DJL DebertaV2ForSequenceClassification"). */
    String name();

    float[][] logits(long[] ids, long[] mask, int batch, int length);

    /** The reference's logits for every batch: the fixture's expected ones where known, else this model's. */
    default ExportCheck.Outputs outputs(List<ExportCheck.Batch> batches) {
        List<float[]> logits = new ArrayList<>();
        for (ExportCheck.Batch b : batches) {
            float[][] l =
                    b.expectedLogits() != null ? b.expectedLogits() : logits(b.ids(), b.mask(), b.batch(), b.length());
            logits.addAll(List.of(l));
        }
        return ExportCheck.ofLogits(logits);
    }

    @Override
    default void close() {}
}
