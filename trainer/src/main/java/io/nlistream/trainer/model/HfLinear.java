package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * {@code nn.Linear}: {@code y = x·Wᵀ + b} with {@code weight} of shape (out, in), as PyTorch stores it. With a half
 * weight ({@link FrozenBase}) the product runs in half and the result is float32.
 */
public final class HfLinear extends HfModule {
    private final int inFeatures;
    private final int outFeatures;
    private final Parameter weight;
    private final Parameter bias;

    public HfLinear(int inFeatures, int outFeatures, boolean bias) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = param("weight", new Shape(outFeatures, inFeatures), Init.NORMAL);
        this.bias = bias ? param("bias", new Shape(outFeatures), Init.ZEROS) : null;
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias parameter, or null for a linear without bias. */
    public Parameter bias() {
        return bias;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray w = value(ps, weight, x, training);
        NDArray b = bias == null ? null : value(ps, bias, x, training);
        DataType type = w.getDataType();
        if (x.getDataType() == type) {
            return new NDList(product(x, w, b));
        }
        // Mixed precision (FrozenBase): the product runs in the weight's type, as autocast runs matmuls in half;
        // a float32 weight (LoRA, the head) gets float32 input. The result is float32 either way, so what follows
        // (softmax, layer norm, sums with the LoRA path) stays float32.
        NDArray y = product(Casts.to(x, type), w, b == null ? null : Casts.to(b, type));
        return new NDList(Casts.to(y, DataType.FLOAT32));
    }

    /**
     * x·Wᵀ + b on 2-D rows: libtorch then adds the bias inside the GEMM (addmm), where a (batch, length, in) input
     * takes a matmul and a separate pass over the output for the bias.
     */
    private static NDArray product(NDArray x, NDArray w, NDArray b) {
        Shape shape = x.getShape();
        if (b == null || shape.dimension() <= 2) {
            return Linear.linear(x, w, b).singletonOrThrow();
        }
        long in = shape.get(shape.dimension() - 1);
        NDArray rows = Linear.linear(x.reshape(-1, in), w, b).singletonOrThrow();
        return rows.reshape(
                shape.slice(0, shape.dimension() - 1).add(w.getShape().get(0)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {
            inputShapes[0].slice(0, inputShapes[0].dimension() - 1).add(outFeatures)
        };
    }
}
