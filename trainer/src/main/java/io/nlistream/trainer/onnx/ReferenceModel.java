package io.nlistream.trainer.onnx;

/** The model the export must reproduce (the DJL implementation of the checkpoint): logits for one padded batch. */
public interface ReferenceModel extends AutoCloseable {
    /** A short description for messages and the manifest ("DJL DebertaV2ForSequenceClassification"). */
    String name();

    float[][] logits(long[] ids, long[] mask, int batch, int length);

    @Override
    default void close() {}
}
