package io.nlistream.streamer.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

/** A dead stream thread is replaced; one that keeps dying shuts the instance down instead of spinning. */
class StreamThreadRecoveryTest {
    @Test
    void replacesATransientFailureAndGivesUpOnARecurringOne() {
        AtomicLong clock = new AtomicLong();
        StreamThreadRecovery recovery = new StreamThreadRecovery(clock::get);
        RuntimeException txn = new InvalidTxnStateException("the transaction is in an invalid state");
        for (int i = 0; i < StreamThreadRecovery.MAX_REPLACEMENTS; i++) {
            assertThat(recovery.handle(txn)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
            clock.addAndGet(1_000_000_000L);
        }
        assertThat(recovery.handle(txn)).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);

        // failures spread wider than the window are each transient
        clock.addAndGet(StreamThreadRecovery.WINDOW.toNanos() + 1);
        assertThat(recovery.handle(txn)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
    }
}
