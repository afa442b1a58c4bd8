package io.nlistream.trainer.onnx;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/** A checkpoint's tensors by Hugging Face name; asking for a missing one names it and the checkpoint. */
public final class Weights {
    private final String source;
    private final Map<String, Tensor> tensors;

    public Weights(String source, Map<String, Tensor> tensors) {
        this.source = source;
        this.tensors = new LinkedHashMap<>(tensors);
    }

    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException(
                    source + " has no weight '" + name + "' (has " + tensors.size() + " tensors, e.g. "
                            + new TreeSet<>(tensors.keySet()).stream().limit(5).toList() + ")");
        }
        return t;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    public Map<String, Tensor> asMap() {
        return tensors;
    }

    public String source() {
        return source;
    }
}
