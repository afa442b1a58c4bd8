package io.nlistream.streamer.topology;

import java.time.Duration;

/**
 * When a stream task asks Kafka Streams for a commit before {@code commit.interval.ms} is up ("commit when drained").
 *
 * <p>Under exactly_once_v2 a classification becomes visible to read_committed consumers only when its transaction
 * commits, so at low load the commit interval, not inference, sets the latency. A task whose forwarding leaves nothing
 * of its own in flight calls {@code ProcessorContext.commit()}: Kafka Streams then commits every task of the stream
 * thread (one transaction) right after the current processing iteration ({@code StreamThread.maybeCommit} →
 * {@code TaskManager.maybeCommitActiveTasksPerUserRequested}), without moving the interval's timer.
 *
 * <p>A requested commit has no spacing of its own in Kafka Streams, and under exactly_once_v2 it stalls the stream
 * thread for a produce round trip (the flush of the transaction's records) plus the transaction's own requests
 * (jstack during the benchmark: mostly {@code KafkaProducer.flush}; about 10 ms on a broker sharing two cores). Asked
 * for after every batch it would be a transaction per batch, and where the stream thread itself is the bottleneck (a
 * fast device drains every task at once, so "nothing in flight" says nothing about the input) the stalls starve it.
 * Two guards: a task asks only while its input is current (the record it processed last was younger than
 * {@code commit.interval.ms}, by its timestamp, when processed: a task already further behind gains nothing from an
 * early commit and would only catch up slower), and a stream thread asks at most once per {@code minSpacing}. A
 * request held back is asked again from the task's forwarding punctuation (every 2 ms) while the task stays drained
 * and no later request of its thread covered it. Under backlog only the interval commits.
 *
 * <p>Only the timing changes: the commit is Kafka Streams' own (cache flush, changelog, offsets and output in one
 * transaction), so exactly once and per-partition order hold as with the interval's commits.
 *
 * @param enabled ask for a commit when drained ({@code nli.commit.when-drained})
 * @param minSpacing at least this long between two early commits of one stream thread ({@code nli.commit.min-spacing})
 */
public record EarlyCommits(boolean enabled, Duration minSpacing) {
    /** The service's defaults (application.properties, StreamerConfig). */
    public static final EarlyCommits DEFAULT = new EarlyCommits(true, Duration.ofMillis(20));

    public static final EarlyCommits OFF = new EarlyCommits(false, Duration.ZERO);

    public EarlyCommits {
        if (minSpacing.isNegative()) {
            throw new IllegalArgumentException("nli.commit.min-spacing must not be negative: " + minSpacing);
        }
    }

    /** The spacing state of the stream threads that share one topology (a commit covers one thread's tasks). */
    Pacer pacer() {
        return new Pacer(minSpacing.toNanos());
    }

    /**
     * Per stream thread: when its tasks last asked for an early commit. Used on the stream threads only (thread-local:
     * the tasks of one thread share one transaction, those of another thread have their own).
     */
    static final class Pacer {
        private final long spacingNanos;
        private final ThreadLocal<long[]> lastRequest = ThreadLocal.withInitial(() -> new long[] {Long.MIN_VALUE});

        Pacer(long spacingNanos) {
            this.spacingNanos = spacingNanos;
        }

        /** When this thread last asked for an early commit ({@link Long#MIN_VALUE}: never). */
        long lastRequestNanos() {
            return lastRequest.get()[0];
        }

        /** Whether this thread may ask now; if so, the request is recorded at {@code nowNanos}. */
        boolean tryRequest(long nowNanos) {
            long[] last = lastRequest.get();
            if (last[0] != Long.MIN_VALUE && nowNanos - last[0] < spacingNanos) {
                return false;
            }
            last[0] = nowNanos;
            return true;
        }
    }
}
