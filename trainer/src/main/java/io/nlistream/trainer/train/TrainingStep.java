package io.nlistream.trainer.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import java.util.LinkedHashMap;
import java.util.Map;

/** One optimizer step on one batch: forward in train mode, mean cross-entropy, backward, clipping, AdamW, zero grads. */
public final class TrainingStep {
    private TrainingStep() {}

    /**
     * Runs the step; {@code step} owns the batch's arrays (and the gradient handles) and is closed by the caller.
     *
     * @return the batch's loss before the update
     */
    public static double run(TrainableClassifier model, NDManager step, NDArray inputIds, NDArray attentionMask,
            NDArray labels, AdamW optimizer, double lr, double maxGradNorm) {
        Map<String, NDArray> params = model.trainableParameters();
        double loss;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray logits = model.logits(inputIds, attentionMask, true);
            NDArray lossArray = Batches.crossEntropy(logits, labels);
            collector.backward(lossArray);
            loss = lossArray.getFloat();
        }
        Map<String, NDArray> grads = new LinkedHashMap<>();
        params.forEach((name, p) -> {
            NDArray g = p.getGradient();
            g.attach(step);
            grads.put(name, g);
        });
        if (maxGradNorm > 0) {
            GradientClipping.clipGlobalNorm(grads.values(), maxGradNorm);
        }
        optimizer.step(params, grads, lr);
        // The engine accumulates gradients across backward passes: clear them for the next step.
        grads.values().forEach(g -> g.subi(g));
        return loss;
    }
}
