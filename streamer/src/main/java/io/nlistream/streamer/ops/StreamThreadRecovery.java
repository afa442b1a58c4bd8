package io.nlistream.streamer.ops;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.jboss.logging.Logger;

/**
 * What happens when a stream thread dies of an exception that no record-level handler took (the processing and
 * production handlers in application.properties take the per-record ones): Kafka Streams' default shuts the whole
 * instance down, so one transient broker error (an {@code InvalidTxnStateException} in a commit after a broker
 * restart, seen in BrokerOutageTest) would stop the service. This replaces the thread instead: under exactly_once_v2
 * its open transaction is aborted and its tasks resume from their last commit (the changelogged batch buffer included),
 * so nothing is lost or doubled. A fault that keeps coming back is not transient: past {@link #MAX_REPLACEMENTS} in
 * {@link #WINDOW} the instance shuts down, liveness fails and the platform restarts it, rather than spinning.
 *
 * <p>Quarkus' Kafka Streams extension sets an application's {@link StreamsUncaughtExceptionHandler} bean before it
 * starts the streams.
 */
@ApplicationScoped
public class StreamThreadRecovery implements StreamsUncaughtExceptionHandler {
    private static final Logger LOG = Logger.getLogger(StreamThreadRecovery.class);
    static final int MAX_REPLACEMENTS = 10;
    static final Duration WINDOW = Duration.ofMinutes(5);

    private final ArrayDeque<Long> replacements = new ArrayDeque<>();
    private final LongSupplier nanoClock;

    @Inject
    StreamerMetrics metrics;

    public StreamThreadRecovery() {
        this(System::nanoTime);
    }

    StreamThreadRecovery(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    @Override
    public synchronized StreamThreadExceptionResponse handle(Throwable exception) {
        long now = nanoClock.getAsLong();
        while (!replacements.isEmpty() && now - replacements.peekFirst() > WINDOW.toNanos()) {
            replacements.pollFirst();
        }
        if (replacements.size() >= MAX_REPLACEMENTS) {
            LOG.errorf(
                    exception,
                    "stream thread died again (%d replacements in the last %s): shutting this instance down",
                    replacements.size(),
                    WINDOW);
            record("shutdown");
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        replacements.addLast(now);
        LOG.errorf(exception, "stream thread died; replacing it (its tasks resume from their last commit)");
        record("replace");
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    private void record(String response) {
        if (metrics != null) {
            metrics.streamThreadFailed(response);
        }
    }
}
