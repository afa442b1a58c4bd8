package io.nlistream.streamer.topology;

import io.nlistream.schemas.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A pair waiting in the micro-batcher's changelogged store: everything needed to emit its classification after a
 * crash and restore (key, value, headers, timestamp and source partition of the input record).
 */
public record BufferedPair(
        long seq,
        byte[] key,
        byte[] value,
        List<Header> headers,
        long timestamp,
        String topic,
        int partition,
        long offset,
        long arrivedAtMs) {

    public record Header(String key, byte[] value) {}

    public static final Serde<BufferedPair> SERDE = Serdes.serdeFrom(serializer(), deserializer());

    private static Serializer<BufferedPair> serializer() {
        return (topic, pair) -> {
            if (pair == null) {
                return null;
            }
            try {
                return Json.mapper().writeValueAsBytes(pair);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    private static Deserializer<BufferedPair> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return Json.mapper().readValue(bytes, BufferedPair.class);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
