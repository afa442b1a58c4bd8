package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Mixed precision for a frozen base, as DJL allows it: torch's autocast casts every matrix product to the half type
 * per call, DJL has no autocast, so the frozen weights of the products ({@link HfLinear}, {@link HfEmbedding}) are
 * stored in the half type once. {@link HfLinear} then multiplies in the half type and hands float32 on, so softmax,
 * layer norm, GELU, the residual sums, the loss and the logits stay float32 (what autocast runs in float32 too).
 * Trainable parameters (LoRA, the head), layer norms, DeBERTa's conv and the optimizer state stay float32.
 *
 * <p>The cast is lossy and in place: adapters, checkpoints and exports never read these arrays (they hold only
 * float32 trainables; export re-reads the base from its checkpoint).
 */
public final class FrozenBase {
    private FrozenBase() {}

    /** What {@link #cast} changed. */
    public record Cast(Precision precision, int parameters, long elements) {
        /** Bytes saved against float32. */
        public long bytesSaved() {
            return precision.castsBase() ? elements * 2 : 0;
        }
    }

    /**
     * Casts every float32 weight and bias of the model's linears and embeddings whose name {@code keepFloat32} does not
     * accept (the trainable ones, and any parameter an adapter saves) to {@code precision}; FP32 changes nothing.
     */
    public static Cast cast(HfModule model, Predicate<String> keepFloat32, Precision precision) {
        if (!precision.castsBase()) {
            return new Cast(precision, 0, 0);
        }
        Set<Parameter> products = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Block b : model.namedModules().values()) {
            if (b instanceof HfLinear || b instanceof HfEmbedding) {
                for (Pair<String, Parameter> p : b.getDirectParameters()) {
                    products.add(p.getValue());
                }
            }
        }
        Map<NDArray, NDArray> copies = new IdentityHashMap<>(); // a tied weight gets the same half copy
        int count = 0;
        long elements = 0;
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            if (!products.contains(p) || keepFloat32.test(e.getKey()) || p.requiresGradient()) {
                continue;
            }
            NDArray old = p.getArray();
            if (old.getDataType() != DataType.FLOAT32) {
                continue;
            }
            NDArray half = copies.computeIfAbsent(old, o -> {
                NDArray c = o.toType(precision.dataType(), true);
                c.attach(o.getManager());
                return c;
            });
            p.close(); // frees the float32 array: the memory is the point
            p.setShape(null); // DJL refuses a second setArray while the first one's shape is recorded
            p.setArray(half);
            count++;
            elements += half.size();
        }
        return new Cast(precision, count, elements);
    }
}
