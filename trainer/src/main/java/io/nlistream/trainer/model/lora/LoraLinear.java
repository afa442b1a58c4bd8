package io.nlistream.trainer.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.nlistream.trainer.model.Dropouts;
import io.nlistream.trainer.model.HfLinear;
import io.nlistream.trainer.model.HfModule;
import io.nlistream.trainer.model.Scalars;

/**
 * A frozen base linear with a low-rank update, laid out as PEFT's {@code lora.Linear} ({@code base_layer},
 * {@code lora_A}, {@code lora_B}): {@code y = base(x) + scaling·B(A(dropout(x)))}, dropout only in training.
 */
public final class LoraLinear extends HfModule {
    private final HfLinear baseLayer;
    private final HfLinear loraA;
    private final HfLinear loraB;
    private final double scaling;
    private final float dropout;

    public LoraLinear(HfLinear base, int r, double scaling, double dropout) {
        this.baseLayer = module("base_layer", base);
        this.loraA = module("lora_A", new HfLinear(base.inFeatures(), r, false));
        this.loraB = module("lora_B", new HfLinear(r, base.outFeatures(), false));
        this.scaling = scaling;
        this.dropout = (float) dropout;
    }

    public HfLinear base() {
        return baseLayer;
    }

    public HfLinear loraA() {
        return loraA;
    }

    public HfLinear loraB() {
        return loraB;
    }

    public double scaling() {
        return scaling;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray result = call("base_layer", ps, x, training);
        // Dropouts, not the engine's dropout: on CPU that draws a serial Bernoulli per element (6 ns, twice Dropouts'
        // uniform + compare) and autograd keeps its fp32 noise; for the seed's step that is 36 (batch, length, 768)
        // masks, ~0.3 s and ~0.4 GB (docs/training.md)
        NDArray in = Dropouts.apply(x, dropout, training);
        NDArray down = call("lora_A", ps, in, training);
        // scaling·B(h) as h·(scaling·B)ᵀ: the scale multiplies B's (out, r) weight instead of the (batch, length, out)
        // update, one pass over the activations fewer in forward and in backward (the same value to rounding)
        NDArray scaledB = Scalars.mul(value(ps, loraB.weight(), down, training), (float) scaling);
        NDArray update = Linear.linear(down, scaledB, null).singletonOrThrow();
        return new NDList(result.add(update));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return base().getOutputShapes(inputShapes);
    }
}
