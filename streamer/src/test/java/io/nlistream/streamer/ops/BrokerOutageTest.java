package io.nlistream.streamer.ops;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlistream.kafkatest.KafkaBroker;
import io.nlistream.kafkatest.KafkaTestResource;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.event.NliPair;
import io.nlistream.streamer.support.KafkaIO;
import io.nlistream.streamer.support.Pairs;
import io.nlistream.streamer.support.StreamerTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The broker goes away under the running service and comes back on the same address with its data (a crash or a
 * rolling restart of a one-node cluster): readiness goes DOWN and back UP, {@code POST /pairs} answers 503 at once
 * while it is down, and every pair published before and after comes out exactly once.
 */
@QuarkusTest
@TestProfile(BrokerOutageTest.OwnBroker.class)
class BrokerOutageTest {
    /**
     * Only this class's broker: the streamer tests' shared resource (restrictToAnnotatedClass = false elsewhere) would
     * otherwise start too and race this one for kafka.bootstrap.servers.
     */
    public static class OwnBroker implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(
                    StreamerTestResource.class, Map.of(KafkaTestResource.RESTARTABLE_ARG, "true")));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    /** The chart's readiness probe timeoutSeconds: an answer slower than that is a failed probe, not a DOWN. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
    /** "Promptly": well under the producer's 10 s delivery timeout, which is what answered before the broker check. */
    private static final Duration PROMPT_503 = Duration.ofSeconds(5);

    KafkaBroker broker;

    @Test
    void readinessFollowsTheBrokerPostAnswers503WhileItIsDownAndNoPairIsLost() {
        // the first answers may be slow (clients connecting, caches cold): only the outage's answers are timed
        awaitReadiness(200, Duration.ofSeconds(120), false);
        Set<String> expected = new HashSet<>();
        expected.addAll(publishDirect("outage-before", 30));
        expected.addAll(postAccepted("outage-post-before", 4));

        broker.stop();
        try {
            awaitReadiness(503, Duration.ofSeconds(30), true);
            Response down = given().get("/q/health/ready");
            assertThat(down.jsonPath().getString("checks.find { it.name == 'nli-streams' }.data.broker"))
                    .startsWith("unreachable");

            long start = System.nanoTime();
            Response refused = post(Pairs.pairs("outage-refused", 3));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(refused.statusCode()).as(refused.asString()).isEqualTo(503);
            assertThat(refused.header("Retry-After")).isNotBlank();
            assertThat(took).as("POST /pairs answered 503 in %s", took).isLessThan(PROMPT_503);

        } finally {
            // also on a failed assertion: the app then stops cleanly instead of waiting on a missing broker
            broker.restart();
        }
        awaitReadiness(200, Duration.ofSeconds(120), true);
        expected.addAll(publishDirect("outage-after", 30));
        expected.addAll(postAccepted("outage-post-after", 4));

        List<ConsumerRecord<byte[], byte[]>> out = KafkaIO.read(
                StreamerTestResource.client,
                "nli.classifications",
                r -> id(r).startsWith("outage-"),
                got -> got.stream()
                        .map(BrokerOutageTest::id)
                        .collect(Collectors.toSet())
                        .containsAll(expected),
                Duration.ofSeconds(3),
                Duration.ofSeconds(180));
        Map<String, Long> counts =
                out.stream().collect(Collectors.groupingBy(BrokerOutageTest::id, Collectors.counting()));
        assertThat(counts.keySet())
                .as("every pair published before and after, none of the refused ones")
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(counts)
                .allSatisfy((id, n) -> assertThat(n).as("times %s came out", id).isEqualTo(1L));
    }

    /** Polls readiness until it answers {@code status}; if {@code timed}, each answer within the probe's timeout. */
    private static void awaitReadiness(int status, Duration timeout, boolean timed) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            long start = System.nanoTime();
            last = given().get("/q/health/ready").statusCode();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            if (timed) {
                assertThat(took)
                        .as("/q/health/ready answered %d in %s", last, took)
                        .isLessThan(PROBE_TIMEOUT);
            }
            if (last == status) {
                return;
            }
            sleep(250);
        }
        throw new AssertionError("readiness still " + last + " (wanted " + status + ") after " + timeout);
    }

    private static Set<String> publishDirect(String prefix, int n) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (NliPair p : Pairs.pairs(prefix, n)) {
            records.add(new ProducerRecord<>("nli.pairs", p.id().getBytes(StandardCharsets.UTF_8), Pairs.json(p)));
        }
        KafkaIO.send(StreamerTestResource.client, records);
        return ids(Pairs.pairs(prefix, n));
    }

    private static Set<String> postAccepted(String prefix, int n) {
        List<NliPair> pairs = Pairs.pairs(prefix, n);
        Response r = post(pairs);
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(202);
        return ids(pairs);
    }

    private static Response post(List<NliPair> pairs) {
        return given().contentType("application/json")
                .body(pairs.stream()
                        .map(p -> new String(Pairs.json(p), StandardCharsets.UTF_8))
                        .collect(Collectors.joining(",", "[", "]")))
                .when()
                .post("/pairs");
    }

    private static Set<String> ids(List<NliPair> pairs) {
        return pairs.stream().map(NliPair::id).collect(Collectors.toSet());
    }

    private static String id(ConsumerRecord<byte[], byte[]> r) {
        try {
            JsonNode c = Json.mapper().readTree(r.value());
            return c.path("id").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
