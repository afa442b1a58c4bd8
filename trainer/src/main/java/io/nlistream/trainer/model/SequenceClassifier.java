package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.nlistream.trainer.checkpoint.ModelConfig;
import java.util.ArrayList;

/**
 * An encoder with a sequence classification head ({@code XxxForSequenceClassification}). As a DJL block its input is
 * {@code (input_ids, attention_mask)}, both int64 (batch, length), and its output {@code (logits)}; with the forward
 * parameter {@value #OUTPUT_HIDDEN_STATES} = true the hidden states follow the logits.
 *
 * <p>Intermediate arrays belong to the manager of {@code input_ids}: run a forward pass inside a sub-manager
 * ({@code try (NDManager batch = model manager.newSubManager())}) and they are freed with it.
 */
public abstract class SequenceClassifier extends HfModule {
    public static final String OUTPUT_HIDDEN_STATES = "output_hidden_states";

    public abstract ModelConfig config();

    /**
     * @param training dropout on (and gradients flow when recorded by a GradientCollector)
     * @param hiddenStates also return every hidden state (costs memory)
     */
    public abstract ClassifierOutput classify(
            ParameterStore ps, NDArray inputIds, NDArray attentionMask, boolean training, boolean hiddenStates);

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        if (inputs.size() < 2) {
            throw new IllegalArgumentException(
                    "expected (input_ids, attention_mask), got " + inputs.size() + " array(s)");
        }
        boolean hidden = params != null && Boolean.TRUE.equals(params.get(OUTPUT_HIDDEN_STATES));
        ClassifierOutput out = classify(ps, inputs.get(0), inputs.get(1), training, hidden);
        NDList result = new NDList(out.logits());
        result.addAll(new ArrayList<>(out.hiddenStates()));
        return result;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config().numLabels())};
    }

    /** Checks the inputs a user hands in: same (batch, length) shape, int64. */
    protected static void checkInputs(NDArray inputIds, NDArray attentionMask) {
        if (inputIds.getShape().dimension() != 2 || !inputIds.getShape().equals(attentionMask.getShape())) {
            throw new IllegalArgumentException("input_ids " + inputIds.getShape() + " and attention_mask "
                    + attentionMask.getShape() + " must both be (batch, length)");
        }
    }
}
