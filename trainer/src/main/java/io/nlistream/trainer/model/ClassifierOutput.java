package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * A sequence classifier's forward result: {@code logits} (batch, labels) and, when asked for, transformers'
 * {@code hidden_states} (index 0 = embeddings output, i = after layer i; the last one is {@code last_hidden_state}).
 */
public record ClassifierOutput(NDArray logits, List<NDArray> hiddenStates) {
    public NDArray lastHiddenState() {
        if (hiddenStates.isEmpty()) {
            throw new IllegalStateException("hidden states were not requested");
        }
        return hiddenStates.get(hiddenStates.size() - 1);
    }
}
