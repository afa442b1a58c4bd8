package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** {@code nn.Embedding}: rows of {@code weight} (num, dim) looked up by int64 ids. */
public final class HfEmbedding extends HfModule {
    private final int dim;
    private final Parameter weight;

    public HfEmbedding(int num, int dim) {
        this.dim = dim;
        this.weight = param("weight", new Shape(num, dim), Init.NORMAL);
    }

    public Parameter weight() {
        return weight;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.singletonOrThrow();
        NDArray rows = Embedding.embedding(ids, value(ps, weight, ids, training), SparseFormat.DENSE)
                .singletonOrThrow();
        // a half table (FrozenBase) hands float32 rows on: the sums and the layer norm after it run in float32
        return new NDList(Casts.to(rows, DataType.FLOAT32));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(dim)};
    }
}
