package io.nlistream.trainer.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.nlistream.trainer.model.SequenceClassifier;

/** The trainer's DJL implementation (PyTorch engine, eval mode) as the reference of an export. */
public final class DjlReference implements ReferenceModel {
    private final SequenceClassifier model;

    public DjlReference(SequenceClassifier model) {
        this.model = model;
    }

    @Override
    public String name() {
        return "the DJL " + model.config().architecture().className();
    }

    @Override
    public float[][] logits(long[] ids, long[] mask, int batch, int length) {
        try (NDManager sub = NDManager.newBaseManager()) {
            Shape shape = new Shape(batch, length);
            NDArray logits = model.classify(
                            new ParameterStore(sub, false),
                            sub.create(ids, shape),
                            sub.create(mask, shape),
                            false,
                            false)
                    .logits();
            float[] flat = logits.toFloatArray();
            int labels = flat.length / batch;
            float[][] out = new float[batch][];
            for (int i = 0; i < batch; i++) {
                out[i] = java.util.Arrays.copyOfRange(flat, i * labels, (i + 1) * labels);
            }
            return out;
        }
    }
}
