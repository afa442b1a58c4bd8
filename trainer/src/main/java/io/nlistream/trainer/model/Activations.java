package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** transformers' {@code ACT2FN} for the names config.json may use here ({@code gelu} is the exact erf form). */
final class Activations {
    private Activations() {}

    static NDArray apply(String name, NDArray x) {
        return switch (name) {
            case "gelu" -> Activation.gelu(x);
            case "relu" -> Activation.relu(x);
            case "tanh" -> Activation.tanh(x);
            default -> throw new IllegalArgumentException("unsupported activation " + name);
        };
    }
}
