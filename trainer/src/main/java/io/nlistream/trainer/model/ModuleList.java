package io.nlistream.trainer.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;

/** {@code nn.ModuleList}: children named 0, 1, ...; its owner iterates them (it has no forward of its own). */
public final class ModuleList<T extends Block> extends HfModule {
    private final int size;

    public ModuleList(List<T> items) {
        this.size = items.size();
        for (int i = 0; i < items.size(); i++) {
            module(Integer.toString(i), items.get(i));
        }
    }

    public int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    public T get(int i) {
        return (T) child(Integer.toString(i));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList x = inputs;
        for (int i = 0; i < size; i++) {
            x = get(i).forward(ps, x, training);
        }
        return x;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] s = inputShapes;
        for (int i = 0; i < size; i++) {
            s = get(i).getOutputShapes(s);
        }
        return s;
    }
}
