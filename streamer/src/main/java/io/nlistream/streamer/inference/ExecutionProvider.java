package io.nlistream.streamer.inference;

import java.util.Locale;

/** Which ONNX Runtime execution provider serves the model ({@code nli.inference.provider}). */
public enum ExecutionProvider {
    /** CUDA when the runtime and a GPU are there, otherwise CPU with a warning. */
    AUTO,
    /** CUDA or fail at start: for GPU deployments that must not silently run on CPU. */
    CUDA,
    CPU;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ExecutionProvider fromId(String id) {
        for (ExecutionProvider p : values()) {
            if (p.id().equalsIgnoreCase(id.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("nli.inference.provider=" + id + " is not valid; use auto, cuda or cpu");
    }
}
