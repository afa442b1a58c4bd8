package io.nlistream.streamer.control;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.event.NliPair;
import io.nlistream.streamer.support.KafkaIO;
import io.nlistream.streamer.support.Pairs;
import io.nlistream.streamer.support.StreamerTestResource;
import io.nlistream.streamer.support.TestBundles;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The whole service started after a reload was published for its deployment (and pairs were already waiting): it
 * comes up serving the desired bundle, not its configured one, and classifies even the pairs that were waiting with
 * it, because the control topic is read and the desired bundle loaded before Kafka Streams starts.
 */
@QuarkusTest
@QuarkusTestResource(value = StreamerTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DesiredModelAtBootTest.PublishedBeforeBoot.class, restrictToAnnotatedClass = true)
class DesiredModelAtBootTest {
    static final String DESIRED = "desired-before-boot";
    static final int WAITING = 20;

    /** After the broker and topics (order 1 > StreamerTestResource's 0): what happened while no instance ran. */
    public static class PublishedBeforeBoot implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            try {
                Path desired = TestBundles.tiny(Files.createTempDirectory("nli-desired-"), DESIRED);
                String bootstrap = StreamerTestResource.bootstrap;
                KafkaIO.send(
                        bootstrap,
                        List.of(new ProducerRecord<>(
                                "nli.control",
                                // the test profile's application id, the default deployment name
                                "nli-streamer-test".getBytes(StandardCharsets.UTF_8),
                                ("{\"action\":\"reload\",\"path\":\"" + desired + "\"}")
                                        .getBytes(StandardCharsets.UTF_8))));
                KafkaIO.send(
                        bootstrap,
                        Pairs.pairs("waiting", WAITING).stream()
                                .map(p -> new ProducerRecord<>(
                                        "nli.pairs", p.id().getBytes(StandardCharsets.UTF_8), Pairs.json(p)))
                                .toList());
                return Map.of();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public int order() {
            return 1;
        }

        @Override
        public void stop() {}
    }

    @Test
    void startsServingTheDesiredBundleBeforeClassifyingAnything() {
        assertThat(given().when()
                        .get("/q/health/ready")
                        .then()
                        .extract()
                        .<String>path("checks.find { it.name == 'nli-model' }.data.version"))
                .isEqualTo(DESIRED);
        List<ConsumerRecord<byte[], byte[]>> out = KafkaIO.read(
                StreamerTestResource.bootstrap,
                "nli.classifications",
                r -> json(r).path("id").asText().startsWith("waiting-"),
                got -> got.size() >= WAITING,
                Duration.ofSeconds(2),
                Duration.ofSeconds(90));
        assertThat(out).hasSize(WAITING);
        assertThat(out)
                .extracting(r -> json(r).at("/model/version").asText())
                .as("no pair was classified by the configured bundle")
                .containsOnly(DESIRED);
        assertThat(Pairs.pairs("waiting", WAITING))
                .extracting(NliPair::id)
                .containsExactlyInAnyOrderElementsOf(
                        out.stream().map(r -> json(r).path("id").asText()).toList());
    }

    private static JsonNode json(ConsumerRecord<byte[], byte[]> r) {
        try {
            return Json.mapper().readTree(r.value());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
