package io.nlistream.streamer.topology;

import io.nlistream.schemas.event.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;

/**
 * Adds SmallRye's {@code dead-letter-*} headers to a refused record, which otherwise keeps its key, value bytes and
 * headers, so SmallRye tooling and {@code kcat -J} read our DLQ as they read SmallRye's.
 */
public final class DeadLetterHeaders {
    private DeadLetterHeaders() {}

    public static void add(
            Headers headers,
            DeadLetter.Reason reason,
            String detail,
            String cause,
            String topic,
            int partition,
            long offset) {
        put(headers, DeadLetter.Headers.REASON, reason.code() + ": " + detail);
        if (cause != null) {
            put(headers, DeadLetter.Headers.CAUSE, cause);
        }
        put(headers, DeadLetter.Headers.TOPIC, topic);
        put(headers, DeadLetter.Headers.PARTITION, Integer.toString(partition));
        put(headers, DeadLetter.Headers.OFFSET, Long.toString(offset));
    }

    private static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
