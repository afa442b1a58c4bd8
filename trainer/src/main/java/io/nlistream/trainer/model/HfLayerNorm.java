package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** {@code nn.LayerNorm} over the last dimension with affine {@code weight} and {@code bias} (HF's names). */
public final class HfLayerNorm extends HfModule {
    private final Shape normalized;
    private final float eps;
    private final Parameter weight;
    private final Parameter bias;

    public HfLayerNorm(int size, float eps) {
        this.normalized = new Shape(size);
        this.eps = eps;
        this.weight = param("weight", normalized, Init.ONES);
        this.bias = param("bias", normalized, Init.ZEROS);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        x = Casts.to(x, DataType.FLOAT32); // autocast runs layer_norm in float32; its weights stay float32
        return LayerNorm.layerNorm(x, normalized, value(ps, weight, x, training), value(ps, bias, x, training), eps);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
