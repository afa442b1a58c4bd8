package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.norm.Dropout;

/** Dropout that, like PyTorch's, acts only in training mode and is free when the rate is 0. */
final class Dropouts {
    private Dropouts() {}

    static NDArray apply(NDArray x, float rate, boolean training) {
        if (!training || rate <= 0f) {
            return x;
        }
        return Dropout.dropout(x, rate, true).singletonOrThrow();
    }
}
