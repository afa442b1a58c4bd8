package io.nlistream.streamer.bundle;

import static io.nlistream.streamer.support.ServiceState.counted;
import static io.nlistream.streamer.support.ServiceState.servedVersion;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.event.DeadLetter;
import io.nlistream.schemas.event.NliPair;
import io.nlistream.streamer.support.KafkaIO;
import io.nlistream.streamer.support.Pairs;
import io.nlistream.streamer.support.StreamerTestResource;
import io.nlistream.streamer.support.TestBundles;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The inference-failed path for real: the whole service on a real broker serving a bundle whose ONNX graph fails on
 * pairs holding one word ({@link TestBundles#failingOn}), put in service by a control event. Only topics in and out
 * are observed: a batch ONNX Runtime fails on is dead-lettered pair by pair in input order (reason inference-failed,
 * with the cause), its batch-mates included (which pairs share a batch is the batcher's business, so the test only
 * requires that every pair comes out exactly once, classified or dead-lettered), later pairs are classified, and the
 * service stays live and ready.
 */
@QuarkusTest
@QuarkusTestResource(value = StreamerTestResource.class, restrictToAnnotatedClass = false)
class InferenceFailedOnBrokerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String WORD = "zqxboom";
    private static final String VERSION = "fails-on-" + WORD;
    /** One key: every pair on one partition, so input order is one sequence. */
    private static final byte[] KEY = "one-key".getBytes(StandardCharsets.UTF_8);

    @ConfigProperty(name = "nli.control.deployment")
    String deployment;

    @Test
    void aFailingBatchIsDeadLetteredInOrderAndLaterPairsAreClassified() throws Exception {
        String bootstrap = StreamerTestResource.bootstrap;
        Path failing = TestBundles.failingOn(Files.createTempDirectory("nli-failing-"), VERSION, WORD);
        KafkaIO.send(
                bootstrap,
                List.of(new ProducerRecord<>(
                        "nli.control",
                        deployment.getBytes(StandardCharsets.UTF_8),
                        ("{\"action\":\"reload\",\"path\":\"" + failing + "\"}").getBytes(StandardCharsets.UTF_8))));
        await().atMost(TIMEOUT).until(() -> VERSION.equals(servedVersion()));

        // 1. one failing pair among ten, sent together
        List<NliPair> first = new ArrayList<>(Pairs.pairs("first", 10));
        first.set(5, new NliPair("first-5", "Le " + WORD + " dort sur le canapé.", "Un animal se repose."));
        send(bootstrap, first);
        List<ConsumerRecord<byte[], byte[]>> letters =
                deadLetters(bootstrap, "first-", got -> got.stream().anyMatch(r -> id(r).equals("first-5")));
        List<ConsumerRecord<byte[], byte[]>> classified =
                classifications(bootstrap, "first-", first.size() - letters.size());

        List<String> sent = first.stream().map(NliPair::id).toList();
        List<String> dead =
                letters.stream().map(InferenceFailedOnBrokerTest::id).toList();
        List<String> ok =
                classified.stream().map(InferenceFailedOnBrokerTest::id).toList();
        assertThat(dead).contains("first-5");
        assertThat(Stream.concat(dead.stream(), ok.stream()).toList())
                .as("every pair exactly once, classified or dead-lettered")
                .containsExactlyInAnyOrderElementsOf(sent);
        assertThat(dead)
                .as("dead letters in input order")
                .isSortedAccordingTo((a, b) -> sent.indexOf(a) - sent.indexOf(b));
        assertThat(ok)
                .as("classifications in input order")
                .isSortedAccordingTo((a, b) -> sent.indexOf(a) - sent.indexOf(b));
        long previousOffset = -1;
        for (ConsumerRecord<byte[], byte[]> r : letters) {
            assertThat(header(r, DeadLetter.Headers.REASON)).startsWith("inference-failed");
            assertThat(header(r, DeadLetter.Headers.CAUSE)).isNotBlank();
            assertThat(header(r, DeadLetter.Headers.TOPIC)).isEqualTo("nli.pairs");
            long offset = Long.parseLong(header(r, DeadLetter.Headers.OFFSET));
            assertThat(offset).isGreaterThan(previousOffset);
            previousOffset = offset;
            assertThat(r.key()).isEqualTo(KEY);
            assertThat(r.value()).as("the original pair, whole").isEqualTo(Pairs.json(first.get(sent.indexOf(id(r)))));
        }
        for (ConsumerRecord<byte[], byte[]> r : classified) {
            assertThat(json(r).at("/model/version").asText()).isEqualTo(VERSION);
        }

        // 2. a failing pair alone, then later pairs: all classified by the same model, none dead-lettered
        send(bootstrap, List.of(new NliPair("again-0", "Il pleut.", "Le " + WORD + " est mouillé.")));
        deadLetters(bootstrap, "again-", got -> !got.isEmpty());
        List<NliPair> later = Pairs.pairs("later", 12);
        send(bootstrap, later);
        List<ConsumerRecord<byte[], byte[]>> laterOut = classifications(bootstrap, "later-", later.size());
        assertThat(laterOut)
                .extracting(InferenceFailedOnBrokerTest::id)
                .containsExactlyElementsOf(later.stream().map(NliPair::id).toList());
        assertThat(deadLetters(bootstrap, "later-", got -> true)).isEmpty();
        assertThat(servedVersion()).isEqualTo(VERSION);

        given().when().get("/q/health/live").then().statusCode(200);
        given().when().get("/q/health/ready").then().statusCode(200);
        assertThat(counted("nli_dead_letters_total", "reason", "inference-failed"))
                .isGreaterThanOrEqualTo(letters.size() + 1);
    }

    private static void send(String bootstrap, List<NliPair> pairs) {
        KafkaIO.send(
                bootstrap,
                pairs.stream()
                        .map(p -> new ProducerRecord<>("nli.pairs", KEY, Pairs.json(p)))
                        .toList());
    }

    /** This test's dead letters whose pair id starts with {@code prefix}, once {@code done} holds, plus a settle. */
    private static List<ConsumerRecord<byte[], byte[]>> deadLetters(
            String bootstrap, String prefix, Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
        return KafkaIO.read(
                bootstrap, "nli.pairs.dlq", r -> id(r).startsWith(prefix), done, Duration.ofSeconds(3), TIMEOUT);
    }

    private static List<ConsumerRecord<byte[], byte[]>> classifications(String bootstrap, String prefix, int n) {
        return KafkaIO.read(
                bootstrap,
                "nli.classifications",
                r -> id(r).startsWith(prefix),
                got -> got.size() >= n,
                Duration.ofSeconds(2),
                TIMEOUT);
    }

    private static String id(ConsumerRecord<byte[], byte[]> r) {
        return json(r).path("id").asText();
    }

    private static JsonNode json(ConsumerRecord<byte[], byte[]> r) {
        try {
            return Json.mapper().readTree(r.value());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
