package io.nlistream.trainer.eval;

/**
 * What one epoch produced: the mean training loss, the evaluation metrics, the learning rate at its end, wall time,
 * and training throughput.
 */
public record EpochMetrics(
        int epoch,
        double trainLoss,
        ClassificationMetrics eval,
        double learningRate,
        double seconds,
        double pairsPerSecond) {}
