package io.nlistream.trainer.train;

import io.nlistream.trainer.eval.EpochMetrics;
import java.util.List;
import java.util.Map;

/**
 * The loop's state after a completed epoch, written next to the weights so that {@code --resume} continues exactly.
 *
 * @param config the run's settings (resume refuses other ones: the result would not be the uninterrupted run's)
 * @param intraOpThreads libtorch's intra-op thread count of the process that wrote it (0 in checkpoints written
 *     before it was recorded): resuming with another count is allowed but not bit-identical
 */
public record CheckpointState(
        int epoch,
        long globalStep,
        long optimizerStep,
        double bestMetric,
        int bestEpoch,
        int epochsWithoutImprovement,
        boolean stopped,
        List<EpochMetrics> history,
        Map<String, Object> config,
        int intraOpThreads) {}
