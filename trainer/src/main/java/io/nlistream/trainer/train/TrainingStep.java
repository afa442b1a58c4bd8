package io.nlistream.trainer.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One optimizer step on one batch: forward in train mode, mean cross-entropy, backward (of the scaled loss under
 * fp16), unscaling and the inf/NaN check, clipping, AdamW, zero grads.
 */
public final class TrainingStep {
    private TrainingStep() {}

    /**
     * A step's loss, where its time went (nanoseconds, for the step benchmark) and whether the update was skipped
     * (fp16 loss scaling found inf/NaN gradients: no optimizer step, see {@link LossScaler}).
     */
    public record Result(double loss, long forwardNs, long backwardNs, long optimizerNs, boolean skipped) {}

    /**
     * Runs the step; {@code step} owns the batch's arrays (and the gradient handles) and is closed by the caller.
     *
     * @param scaler fp16's dynamic loss scaling, or {@link LossScaler#disabled()}
     * @return the batch's loss before the update, and whether the update was skipped
     */
    public static Result run(
            TrainableClassifier model,
            NDManager step,
            NDArray inputIds,
            NDArray attentionMask,
            NDArray labels,
            AdamW optimizer,
            double lr,
            double maxGradNorm,
            LossScaler scaler) {
        return timed(model, step, inputIds, attentionMask, labels, optimizer, lr, maxGradNorm, scaler, () -> {});
    }

    /**
     * {@link #run} with its forward / backward / optimizer split; {@code afterPhase} runs after the forward and the
     * backward pass (outside the timings), e.g. to sample memory.
     */
    public static Result timed(
            TrainableClassifier model,
            NDManager step,
            NDArray inputIds,
            NDArray attentionMask,
            NDArray labels,
            AdamW optimizer,
            double lr,
            double maxGradNorm,
            LossScaler scaler,
            Runnable afterPhase) {
        Map<String, NDArray> params = model.trainableParameters();
        double loss;
        long t0 = System.nanoTime();
        long t1;
        long t2;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray logits = model.logits(inputIds, attentionMask, true);
            NDArray lossArray = Batches.crossEntropy(logits, labels);
            loss = lossArray.getFloat(); // waits for the forward pass (asynchronous on a GPU)
            t1 = System.nanoTime();
            afterPhase.run();
            long resumed = System.nanoTime();
            collector.backward(scaler.scaleLoss(lossArray));
            t2 = System.nanoTime() - (resumed - t1);
        }
        afterPhase.run();
        long t3 = System.nanoTime();
        Map<String, NDArray> grads = new LinkedHashMap<>();
        params.forEach((name, p) -> {
            NDArray g = p.getGradient();
            g.attach(step);
            grads.put(name, g);
        });
        // as GradScaler.unscale_ before clip_grad_norm_: clipping sees the true gradients
        boolean skipped = scaler.unscaleAndCheck(grads.values());
        if (!skipped) {
            if (maxGradNorm > 0) {
                GradientClipping.clipGlobalNorm(grads.values(), maxGradNorm);
            }
            optimizer.step(params, grads, lr);
        }
        scaler.update(skipped);
        // The engine accumulates gradients across backward passes: clear them for the next step.
        if (skipped) { // inf - inf is NaN: overwrite instead of subtracting
            grads.values().forEach(g -> g.set(new NDIndex("..."), 0f));
        } else {
            grads.values().forEach(g -> g.subi(g));
        }
        long t4 = System.nanoTime();
        return new Result(loss, t1 - t0, t2 - t1, t4 - t3, skipped);
    }
}
