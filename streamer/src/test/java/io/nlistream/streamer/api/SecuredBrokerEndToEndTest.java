package io.nlistream.streamer.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlistream.kafkatest.KafkaTestResource;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.event.NliPair;
import io.nlistream.streamer.support.KafkaIO;
import io.nlistream.streamer.support.Pairs;
import io.nlistream.streamer.support.SecuredStreamerTestResource;
import io.nlistream.streamer.support.StreamerTestResource;
import io.nlistream.streamer.support.TestBundles;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
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
 * The service against a broker that only accepts SCRAM-SHA-512 over TLS, configured through the environment the Helm
 * chart renders with {@code kafka.sasl.enabled} and {@code kafka.tls.enabled}: Kafka Streams, the HTTP producer, the
 * SSE and control consumers and the readiness probe all log in; pairs in, classifications out, exactly once.
 */
@QuarkusTest
@TestProfile(SecuredBrokerEndToEndTest.OwnBroker.class)
class SecuredBrokerEndToEndTest {
    /**
     * Only this class's broker: the streamer tests' shared resource (restrictToAnnotatedClass = false elsewhere) would
     * otherwise start too and race this one for kafka.bootstrap.servers.
     */
    public static class OwnBroker implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(
                    SecuredStreamerTestResource.class, Map.of(KafkaTestResource.SECURITY_ARG, "SASL_SSL")));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    @Test
    void theChartsSecuritySettingsCarryPairsInAndClassificationsOutExactlyOnce() {
        Map<String, String> env = SecuredStreamerTestResource.kafkaEnvironment;
        assertThat(env)
                .containsEntry("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
                .containsEntry("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
                .containsKeys(
                        "KAFKA_BOOTSTRAP_SERVERS",
                        "KAFKA_SASL_JAAS_CONFIG",
                        "KAFKA_SSL_TRUSTSTORE_LOCATION",
                        "KAFKA_SSL_TRUSTSTORE_PASSWORD",
                        "KAFKA_SSL_TRUSTSTORE_TYPE");
        assertThat(env.get("KAFKA_SASL_JAAS_CONFIG"))
                .as("Kubernetes expanded $(KAFKA_SASL_USERNAME) and $(KAFKA_SASL_PASSWORD)")
                .doesNotContain("$(");
        assertThat(env.get("KAFKA_BOOTSTRAP_SERVERS"))
                .as("the app is only told the SASL_SSL listener")
                .isEqualTo(StreamerTestResource.bootstrap);

        // Kafka Streams starts after the app: ready once it is RUNNING, as a readiness probe would wait
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
        given().when()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("checks.find { it.name == 'nli-streams' }.data.broker", startsWith("reachable"));

        List<NliPair> direct = Pairs.pairs("sasl", 24);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (NliPair p : direct) {
            records.add(new ProducerRecord<>("nli.pairs", p.id().getBytes(StandardCharsets.UTF_8), Pairs.json(p)));
        }
        KafkaIO.send(StreamerTestResource.client, records);
        given().contentType("application/json")
                .body("[{\"id\":\"sasl-http-1\",\"premise\":\"Il pleut.\",\"hypothesis\":\"Le sol est mouillé.\"},"
                        + "{\"id\":\"sasl-http-2\",\"premise\":\"Il pleut.\",\"hypothesis\":\"Il fait sec.\"}]")
                .when()
                .post("/pairs")
                .then()
                .statusCode(202);

        Set<String> expected = direct.stream().map(NliPair::id).collect(Collectors.toCollection(HashSet::new));
        expected.add("sasl-http-1");
        expected.add("sasl-http-2");
        List<ConsumerRecord<byte[], byte[]>> out = KafkaIO.read(
                StreamerTestResource.client,
                "nli.classifications",
                r -> expected.contains(read(r).path("id").asText()),
                got -> got.stream()
                                .map(r -> read(r).path("id").asText())
                                .collect(Collectors.toSet())
                                .size()
                        == expected.size(),
                Duration.ofSeconds(3),
                Duration.ofSeconds(120));
        assertThat(out).hasSize(expected.size());
        assertThat(out)
                .allSatisfy(r -> assertThat(read(r).at("/model/name").asText()).isEqualTo(TestBundles.NAME));
    }

    private static JsonNode read(ConsumerRecord<byte[], byte[]> r) {
        try {
            return Json.mapper().readTree(r.value());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
