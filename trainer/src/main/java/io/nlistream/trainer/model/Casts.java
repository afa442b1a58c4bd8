package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** A number-type cast that autograd sees through, which DJL's own lacks. */
public final class Casts {
    private Casts() {}

    /**
     * {@code x} as {@code type}, differentiable. DJL's {@code toType} runs libtorch's {@code to()} under a {@code
     * NoGradGuard}, so gradients stop at it. {@code cumprod} takes an output type and over an axis of size 1 is the
     * identity, and libtorch's {@code cumprod_backward} hands the gradient through unchanged for a size-1 axis (cast
     * back to the input's type by autograd): the same result and gradient as {@code x.to(type)}.
     */
    public static NDArray to(NDArray x, DataType type) {
        if (x.getDataType() == type) {
            return x;
        }
        return x.expandDims(-1).cumProd(-1, type).squeeze(-1);
    }
}
