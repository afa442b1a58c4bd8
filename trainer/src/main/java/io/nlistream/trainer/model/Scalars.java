package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Scalar operands for ops on the autograd path. DJL's {@code x.mul(3f)} wraps the scalar in a tensor over a Java
 * direct buffer (no copy) and closes the wrapper after the op; libtorch's autograd keeps that tensor for backward
 * (d(x·s)/dx = s), so once the garbage collector frees the buffer and the memory is reused, backward reads garbage: a
 * rare, GC-timed wrong or NaN update (issue 12's nondeterministic resume). A tensor made by libtorch itself
 * ({@code full}) owns its storage, which lives as long as the graph holds it.
 *
 * <p>Every multiply or divide by a constant on the training path goes through here; adds and subtracts of a scalar
 * are safe (their backward does not read the operand), as are ops on tensors that need no gradient.
 */
public final class Scalars {
    private Scalars() {}

    public static NDArray mul(NDArray x, float value) {
        try (NDArray s = of(x, value)) {
            return x.mul(s);
        }
    }

    public static NDArray div(NDArray x, float value) {
        try (NDArray s = of(x, value)) {
            return x.div(s);
        }
    }

    /** A libtorch-owned 0-dim float32 tensor, as DJL makes for a float operand (so results are bit-identical). */
    private static NDArray of(NDArray like, float value) {
        return like.getManager().full(new Shape(), value, DataType.FLOAT32);
    }
}
