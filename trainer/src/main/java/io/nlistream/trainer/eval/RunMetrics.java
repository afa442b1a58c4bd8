package io.nlistream.trainer.eval;

import java.util.List;
import java.util.Map;

/**
 * Everything a run reports, written as {@code metrics.json}: the recipe, the data's label distributions, one entry per
 * epoch, the best epoch (the one restored at the end) and the final evaluation of the restored weights.
 *
 * @param name a short run name for comparisons (e.g. CamemBERTa)
 * @param config the training configuration as flat key/values (what the command line received)
 * @param labelDistributions label counts per dataset role ("train", "eval")
 * @param trainableParameters trainable / all parameters of the model, when known
 * @param calibration the temperature fitted on held-out pairs after training ({@code train}, {@code calibrate}), or
 *     null
 */
public record RunMetrics(
        String name,
        String model,
        Map<String, Object> config,
        Map<String, long[]> labelDistributions,
        long trainableParameters,
        long allParameters,
        List<EpochMetrics> epochs,
        int bestEpoch,
        String stoppedEarlyReason,
        ClassificationMetrics finalEval,
        Calibration.Fit calibration) {

    public static final String FILE = "metrics.json";

    public RunMetrics withCalibration(Calibration.Fit fit) {
        return new RunMetrics(
                name,
                model,
                config,
                labelDistributions,
                trainableParameters,
                allParameters,
                epochs,
                bestEpoch,
                stoppedEarlyReason,
                finalEval,
                fit);
    }
}
