package io.nlistream.trainer.train;

/**
 * transformers' EarlyStoppingCallback with {@code metric_for_best_model} greater-is-better and threshold 0: an epoch
 * improves only if its metric is strictly above the best so far; training stops after {@code patience} epochs in a row
 * without improvement. The best epoch is the one restored at the end.
 */
public final class EarlyStopping {
    private final int patience;
    private double best = Double.NEGATIVE_INFINITY;
    private int bestEpoch;
    private int epochsWithoutImprovement;

    public EarlyStopping(int patience) {
        this.patience = patience;
    }

    /** Records an epoch's metric; returns true if it is the new best. */
    public boolean update(int epoch, double metric) {
        if (metric > best) {
            best = metric;
            bestEpoch = epoch;
            epochsWithoutImprovement = 0;
            return true;
        }
        epochsWithoutImprovement++;
        return false;
    }

    /** Patience 0 (or less) turns early stopping off. */
    public boolean shouldStop() {
        return patience > 0 && epochsWithoutImprovement >= patience;
    }

    public double best() {
        return best;
    }

    public int bestEpoch() {
        return bestEpoch;
    }

    public int epochsWithoutImprovement() {
        return epochsWithoutImprovement;
    }

    public int patience() {
        return patience;
    }

    void restore(double best, int bestEpoch, int epochsWithoutImprovement) {
        this.best = best;
        this.bestEpoch = bestEpoch;
        this.epochsWithoutImprovement = epochsWithoutImprovement;
    }
}
