package io.nlistream.streamer.topology;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.event.DeadLetter;
import io.nlistream.schemas.event.NliPair;
import io.nlistream.streamer.support.KafkaIO;
import io.nlistream.streamer.support.Pairs;
import io.nlistream.streamer.support.StreamerTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/**
 * Records just under the broker's default limits (topics created with defaults): their dead letters or
 * classifications would not fit, and one such record used to stop the client for good. They must be dead-lettered
 * within the limit, and the pairs after them classified.
 */
@QuarkusTest
@QuarkusTestResource(value = StreamerTestResource.class, restrictToAnnotatedClass = false)
class OversizedRecordsTest {
    /** The producer's default max.request.size, below the broker's default max.message.bytes (1048588). */
    private static final int LIMIT = 1_048_576;

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Inject
    KafkaStreams streams;

    @Test
    void recordsNearTheLimitAreDeadLetteredWithinItAndLaterPairsClassified() throws Exception {
        String bootstrap = StreamerTestResource.bootstrap;
        Header[] trace = {
            new RecordHeader(
                    "traceparent",
                    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".getBytes(StandardCharsets.UTF_8))
        };
        // ~1 MiB pair: valid JSON, premise far over the schema's 20,000 characters
        byte[] big = nearLimit(n -> Pairs.json(new NliPair("big-1", "x".repeat(n), "h")), trace);
        // small pair with 60 KB of metadata (echoed on the classification) and one ~980 KB header
        ObjectNode metadata = Json.mapper().createObjectNode().put("blob", "m".repeat(60_000));
        byte[] hdrValue = Pairs.json(new NliPair("hdr-1", "a", "b", metadata));
        int headerBytes = LIMIT - 64 - RecordSizeLimits.sizeOf(null, hdrValue, new Header[0]) - 20;
        Header[] fat = {new RecordHeader("blob", new byte[headerBytes])};
        while (RecordSizeLimits.sizeOf(null, hdrValue, fat) > LIMIT - 64) {
            fat = new Header[] {new RecordHeader("blob", new byte[fat[0].value().length - 1])};
        }

        List<ProducerRecord<byte[], byte[]>> records = List.of(
                record(Pairs.json(Pairs.pair("ok-1", 1)), new Header[0]),
                record(big, trace),
                record(Pairs.json(Pairs.pair("ok-2", 2)), new Header[0]),
                record(hdrValue, fat),
                record(Pairs.json(Pairs.pair("ok-3", 3)), new Header[0]));
        List<RecordMetadata> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = KafkaIO.producer(bootstrap)) {
            for (ProducerRecord<byte[], byte[]> r : records) {
                sent.add(producer.send(r).get());
            }
        }

        List<ConsumerRecord<byte[], byte[]>> classified = KafkaIO.read(
                bootstrap, "nli.classifications", r -> true, got -> got.size() >= 3, Duration.ofSeconds(2), TIMEOUT);
        assertThat(classified)
                .extracting(r -> Json.mapper().readTree(r.value()).get("id").asText())
                .containsExactly("ok-1", "ok-2", "ok-3");
        List<ConsumerRecord<byte[], byte[]>> dead = KafkaIO.read(
                bootstrap, "nli.pairs.dlq", r -> true, got -> got.size() >= 2, Duration.ofSeconds(1), TIMEOUT);
        assertThat(dead).hasSize(2);

        ConsumerRecord<byte[], byte[]> bigLetter = dead.get(0);
        Map<String, String> h = KafkaIO.headers(bigLetter);
        assertThat(h.get(DeadLetter.Headers.REASON)).startsWith(DeadLetter.Reason.SCHEMA_VIOLATION.code() + ": ");
        assertThat(h)
                .containsEntry(DeadLetter.Headers.TOPIC, "nli.pairs")
                .containsEntry(DeadLetter.Headers.PARTITION, "0")
                .containsEntry(
                        DeadLetter.Headers.OFFSET, Long.toString(sent.get(1).offset()))
                .containsEntry(
                        DeadLetterFit.TIMESTAMP, Long.toString(sent.get(1).timestamp()))
                .containsEntry(DeadLetterFit.TRUNCATED, "true")
                .containsEntry("traceparent", new String(trace[0].value(), StandardCharsets.UTF_8));
        assertThat(Integer.parseInt(h.get(DeadLetterFit.ORIGINAL_SIZE))).isGreaterThan(LIMIT - 100);
        assertThat(bigLetter.value().length).isGreaterThan(LIMIT - 20_000).isLessThan(big.length);
        assertThat(bigLetter.value()).isEqualTo(Arrays.copyOf(big, bigLetter.value().length));
        assertThat(sizeOf(bigLetter)).isLessThanOrEqualTo(LIMIT);

        ConsumerRecord<byte[], byte[]> hdrLetter = dead.get(1);
        Map<String, String> hh = KafkaIO.headers(hdrLetter);
        assertThat(hh.get(DeadLetter.Headers.REASON))
                .startsWith(DeadLetter.Reason.TOO_LARGE.code() + ": ")
                .contains("headers");
        assertThat(hh)
                .containsEntry(
                        DeadLetter.Headers.OFFSET, Long.toString(sent.get(3).offset()))
                .containsEntry(DeadLetterFit.TRUNCATED, "true")
                .containsKey("blob");
        // the header fits (with room for a prefix of at least 16 KiB), so the value is what gets cut
        assertThat(hdrLetter.value().length).isGreaterThan(16 * 1024).isLessThan(hdrValue.length);
        assertThat(hdrLetter.value()).isEqualTo(Arrays.copyOf(hdrValue, hdrLetter.value().length));
        assertThat(sizeOf(hdrLetter)).isLessThanOrEqualTo(LIMIT);

        assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
    }

    @Test
    void aBodyOverTheLimitIsRefusedWith413() {
        String pair = new String(Pairs.json(Pairs.pair("many", 0)), StandardCharsets.UTF_8);
        String body =
                "[" + String.join(",", java.util.Collections.nCopies(5 * 1024 * 1024 / pair.length() + 1, pair)) + "]";
        given().contentType("application/json")
                .body(body)
                .post("/pairs")
                .then()
                .statusCode(413)
                .body("error", containsString("at most"));
    }

    private static ProducerRecord<byte[], byte[]> record(byte[] value, Header[] headers) {
        return new ProducerRecord<>("nli.pairs", 0, (byte[]) null, value, Arrays.asList(headers));
    }

    /** The value {@code make(n)} for the largest n whose record is 64 bytes under the limit. */
    private static byte[] nearLimit(IntFunction<byte[]> make, Header[] headers) {
        int n = LIMIT - 64 - RecordSizeLimits.sizeOf(null, make.apply(0), headers);
        byte[] v = make.apply(n);
        while (RecordSizeLimits.sizeOf(null, v, headers) > LIMIT - 64) {
            v = make.apply(--n);
        }
        return v;
    }

    private static int sizeOf(ConsumerRecord<byte[], byte[]> r) {
        return RecordSizeLimits.sizeOf(r.key(), r.value(), r.headers().toArray());
    }
}
