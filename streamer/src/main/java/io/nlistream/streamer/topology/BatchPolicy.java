package io.nlistream.streamer.topology;

import java.time.Duration;

/**
 * When the micro-batcher flushes: at {@code maxSize} pairs, before the padded token count (rows × longest pair) would
 * pass {@code maxTokens}, or once the oldest buffered pair has waited {@code maxDelay} (wall clock), whichever comes
 * first. {@code subBatchOverheadTokens} is what one extra ONNX Runtime call is worth in padded tokens when a flushed
 * batch is split into length-sorted sub-batches.
 */
public record BatchPolicy(int maxSize, int maxTokens, Duration maxDelay, int subBatchOverheadTokens) {
    public BatchPolicy {
        if (maxSize < 1) {
            throw new IllegalArgumentException("nli.batch.max-size must be >= 1, got " + maxSize);
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("nli.batch.max-tokens must be >= 1, got " + maxTokens);
        }
        if (maxDelay.isNegative() || maxDelay.isZero()) {
            throw new IllegalArgumentException("nli.batch.max-delay must be positive, got " + maxDelay);
        }
    }

    /** How often the wall-clock punctuation checks the oldest pair: half the max delay, at least 1 ms. */
    public Duration punctuationInterval() {
        return Duration.ofMillis(Math.max(1, maxDelay.toMillis() / 2));
    }
}
