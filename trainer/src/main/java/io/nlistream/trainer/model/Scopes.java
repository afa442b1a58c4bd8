package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.function.Supplier;

/**
 * Runs one stage of a forward pass (a layer) in an {@link NDScope} and keeps only its output: every intermediate's
 * Java handle is closed when the stage ends instead of when the batch's manager closes. What autograd saved for the
 * backward pass stays alive, held by libtorch's own reference count, so gradients are unchanged; the rest (about two
 * thirds of a training step's arrays) is freed a layer at a time. Stages nest (a layer's attention inside the layer):
 * the output passes to the enclosing scope, which closes it in turn unless it keeps it too.
 */
final class Scopes {
    private Scopes() {}

    static NDArray keepOutput(Supplier<NDArray> stage) {
        NDArray out;
        try (NDScope scope = new NDScope()) {
            out = stage.get();
            NDScope.unregister(out);
        }
        NDScope.register(out); // a no-op outside any scope
        return out;
    }
}
