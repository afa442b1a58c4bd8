package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.norm.Dropout;

/** Dropout that, like PyTorch's, acts only in training mode and is free when the rate is 0. */
public final class Dropouts {
    private Dropouts() {}

    public static NDArray apply(NDArray x, float rate, boolean training) {
        if (!training || rate <= 0f) {
            return x;
        }
        if (rate >= 1f || x.getDevice().isGpu()) {
            // on a GPU the engine's dropout is the fused kernel, which already keeps a 1-byte mask
            return Dropout.dropout(x, rate, true).singletonOrThrow();
        }
        // On CPU the engine's dropout multiplies by an fp32 noise tensor (its inverted-scale keep mask) and autograd
        // keeps that tensor until backward: 4 bytes an element, a quarter of what the seed's step saves. A boolean
        // keep mask is saved instead (1 byte): the product with a mask that needs no gradient saves only the mask,
        // and the scaling a 0-d libtorch-owned scalar (Scalars). Same distribution: keep with probability 1 - rate,
        // scale 1 / (1 - rate).
        NDArray keep;
        try (NDArray uniform = x.getManager().randomUniform(0f, 1f, x.getShape())) {
            keep = uniform.gte(rate);
        }
        NDArray kept = x.mul(keep);
        keep.close(); // autograd holds its own reference to what it saved
        NDArray out = Scalars.mul(kept, 1f / (1f - rate));
        kept.close(); // not saved: freed now rather than when the layer's scope ends
        return out;
    }
}
