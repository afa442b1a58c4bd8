package io.nlistream.trainer.train;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * What the training loop needs from a model: logits for a padded batch and its trainable parameters. The DeBERTa-v2 /
 * RoBERTa models of {@code io.nlistream.trainer.model} with LoRA are adapted to it; tests also use small models.
 */
public interface TrainableClassifier {
    /**
     * Logits {@code [batch, numLabels]} for {@code inputIds} and {@code attentionMask} ({@code [batch, length]},
     * int64). {@code training} turns dropout on.
     */
    NDArray logits(NDArray inputIds, NDArray attentionMask, boolean training);

    /**
     * The parameters the optimizer updates, by stable name (PEFT's names for LoRA models), in a stable order; each has
     * a gradient attached. Updates are made in place on these arrays.
     */
    Map<String, NDArray> trainableParameters();

    /** All parameters of the model, frozen ones included (for the trainable/all printout). */
    long parameterCount();
}
