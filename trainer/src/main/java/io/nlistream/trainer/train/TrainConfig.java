package io.nlistream.trainer.train;

import io.nlistream.trainer.model.Precision;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The knobs of a training run. {@link #seedRecipe()} is the seed notebook's recipe (transformers Trainer defaults where
 * the notebook relied on them: linear decay to 0, no warmup, gradient clipping at global norm 1.0).
 *
 * @param warmupSteps optimizer steps of linear warmup (0 = none)
 * @param maxGradNorm global-norm clipping threshold; 0 turns clipping off
 * @param patience early-stopping patience in epochs on eval macro-F1; 0 turns early stopping off
 * @param poolBatches batches sorted by length together (1 = plain shuffling)
 * @param precision number type of the frozen base; fp16 adds dynamic loss scaling ({@link LossScaler})
 */
public record TrainConfig(
        int epochs,
        int batchSize,
        int evalBatchSize,
        double learningRate,
        double weightDecay,
        double beta1,
        double beta2,
        double eps,
        long warmupSteps,
        double maxGradNorm,
        int patience,
        long seed,
        int poolBatches,
        Precision precision) {

    /** The seed's recipe in fp32 (the CPU default; the seed used fp16 on a GPU). */
    public static TrainConfig seedRecipe() {
        return new TrainConfig(10, 32, 64, 2e-4, 0.01, 0.9, 0.999, 1e-8, 0, 1.0, 3, 42, 50, Precision.FP32);
    }

    public TrainConfig withPrecision(Precision p) {
        return new TrainConfig(
                epochs,
                batchSize,
                evalBatchSize,
                learningRate,
                weightDecay,
                beta1,
                beta2,
                eps,
                warmupSteps,
                maxGradNorm,
                patience,
                seed,
                poolBatches,
                p);
    }

    /** The loss scaler the precision needs: torch's GradScaler defaults for fp16, none otherwise. */
    public LossScaler newLossScaler() {
        return precision.needsLossScaling() ? LossScaler.dynamic() : LossScaler.disabled();
    }

    public TrainConfig {
        positive("epochs", epochs);
        positive("batch size", batchSize);
        positive("eval batch size", evalBatchSize);
        positive("pool batches", poolBatches);
        java.util.Objects.requireNonNull(precision, "precision");
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
        }
        if (weightDecay < 0 || maxGradNorm < 0 || warmupSteps < 0 || patience < 0) {
            throw new IllegalArgumentException("weight decay, max grad norm, warmup steps and patience must be >= 0");
        }
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1 || !(eps > 0)) {
            throw new IllegalArgumentException("betas must be in [0, 1) and eps > 0");
        }
    }

    private static void positive(String what, long v) {
        if (v < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + v);
        }
    }

    /** Flat key/values for the report and the resume check. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epochs", epochs);
        m.put("batch-size", batchSize);
        m.put("eval-batch-size", evalBatchSize);
        m.put("lr", learningRate);
        m.put("weight-decay", weightDecay);
        m.put("adam-beta1", beta1);
        m.put("adam-beta2", beta2);
        m.put("adam-eps", eps);
        m.put("warmup-steps", warmupSteps);
        m.put("max-grad-norm", maxGradNorm);
        m.put("patience", patience);
        m.put("seed", seed);
        m.put("pool-batches", poolBatches);
        m.put("precision", precision.cliName());
        return m;
    }
}
