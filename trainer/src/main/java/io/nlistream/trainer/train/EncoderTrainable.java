package io.nlistream.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.nlistream.trainer.model.SequenceClassifier;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Adapts one of the encoders' {@link SequenceClassifier}s to the loop: the parameters whose names pass
 * {@code trainable} get gradients and are updated; all others stay frozen.
 */
public final class EncoderTrainable implements TrainableClassifier {
    /**
     * PEFT's modules_to_save for sequence classification: the {@code classifier} head (DeBERTa's pooler stays frozen).
     */
    public static final Predicate<String> CLASSIFIER_HEAD = name -> name.startsWith("classifier.");

    private final SequenceClassifier model;
    private final NDManager manager;
    private final Map<String, NDArray> trainable = new LinkedHashMap<>();
    private final long parameterCount;

    public EncoderTrainable(SequenceClassifier model, NDManager manager, Predicate<String> trainable) {
        this.model = model;
        this.manager = manager;
        long count = 0;
        for (var e : model.namedParameters().entrySet()) {
            NDArray array = e.getValue().getArray();
            count += array.size();
            if (trainable.test(e.getKey())) {
                e.getValue().freeze(false); // attaches a gradient to the array
                this.trainable.put(e.getKey(), array);
            }
        }
        this.parameterCount = count;
    }

    /** The model with every parameter frozen, for evaluation. */
    public static EncoderTrainable frozen(SequenceClassifier model, NDManager manager) {
        return new EncoderTrainable(model, manager, name -> false);
    }

    @Override
    public NDArray logits(NDArray inputIds, NDArray attentionMask, boolean training) {
        return model.classify(new ParameterStore(manager, false), inputIds, attentionMask, training, false)
                .logits();
    }

    @Override
    public Map<String, NDArray> trainableParameters() {
        return Collections.unmodifiableMap(trainable);
    }

    @Override
    public long parameterCount() {
        return parameterCount;
    }

    public long trainableCount() {
        return trainable.values().stream().mapToLong(NDArray::size).sum();
    }
}
