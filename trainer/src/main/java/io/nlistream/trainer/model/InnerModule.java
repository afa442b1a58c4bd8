package io.nlistream.trainer.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A structural submodule of an encoder (layer, attention, embeddings...): its parent calls its typed {@code apply}
 * method, which takes every input it needs (relative positions, masks). DJL's generic {@code forward} would have to
 * drop some of them, so it is refused rather than silently computing something else.
 */
abstract class InnerModule extends HfModule {
    @Override
    protected final NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
        throw new UnsupportedOperationException(
                getClass().getSimpleName() + " is run by its parent's typed apply()," + " not through Block.forward");
    }

    @Override
    public final Shape[] getOutputShapes(Shape[] in) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no DJL shape inference");
    }
}
