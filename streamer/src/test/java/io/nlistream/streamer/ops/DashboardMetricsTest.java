package io.nlistream.streamer.ops;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nlistream.schemas.event.NliPair;
import io.nlistream.streamer.bundle.ActiveModel;
import io.nlistream.streamer.support.KafkaIO;
import io.nlistream.streamer.support.Pairs;
import io.nlistream.streamer.support.StreamerTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Every metric the Grafana dashboard queries is one the running service exports: the real app on a real broker,
 * after valid pairs, an invalid one and two reloads (so the lazily registered counters exist), scraped on
 * /q/metrics. The scrape is kept in target/dashboard-scrape.txt for when it fails.
 */
@QuarkusTest
@QuarkusTestResource(value = StreamerTestResource.class, restrictToAnnotatedClass = false)
class DashboardMetricsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Inject
    ActiveModel models;

    @Test
    void everyMetricTheDashboardQueriesIsExported() throws IOException {
        Dashboard dashboard = Dashboard.read(Dashboard.FILE);
        assertThat(dashboard.metricNames()).as("the dashboard's metrics").hasSizeGreaterThan(10);

        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (NliPair p : Pairs.pairs("dash", 6)) {
            records.add(new ProducerRecord<>("nli.pairs", Pairs.json(p)));
        }
        records.add(new ProducerRecord<>("nli.pairs", "{\"id\":\"dash-bad\"".getBytes(StandardCharsets.UTF_8)));
        KafkaIO.send(StreamerTestResource.bootstrap, records);
        assertThat(models.reload(StreamerTestResource.bundleDir)).isEmpty();
        assertThat(models.reload(StreamerTestResource.bundleDir.resolveSibling("no-such-bundle")))
                .isPresent();

        Path kept = Path.of("target/dashboard-scrape.txt");
        // Kafka clients register some meters (lag) after their first fetch: poll until the scrape has them all.
        await().atMost(TIMEOUT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            String scrape = scrape();
            Files.writeString(kept, scrape);
            assertThat(scrape).contains("nli_dead_letters_total{reason=\"malformed-json\"");
            assertThat(dashboard.problems(Exposition.parse(scrape)))
                    .as("dashboard queries against /q/metrics (kept in %s)", kept.toAbsolutePath())
                    .isEmpty();
        });
    }

    @Test
    void aMisspelledNameAWrongLabelFilterOrANonHistogramQueryIsCaught() {
        await().atMost(TIMEOUT).until(() -> scrape().contains("nli_inference_seconds_bucket"));
        Exposition exposition = Exposition.parse(scrape());
        String json = readText(Dashboard.FILE);
        assertThat(json).contains("nli_events_in_total", "nli_inference_seconds_bucket");

        assertThat(Dashboard.parse(json.replace("nli_events_in_total", "nli_event_in_total"))
                        .problems(exposition))
                .anyMatch(p -> p.startsWith("nli_event_in_total is not exported"));
        assertThat(Dashboard.parse(json.replace("nli_inference_seconds_bucket", "nli_inference_seconds"))
                        .problems(exposition))
                .anyMatch(p -> p.startsWith("histogram_quantile without a _bucket series"));
        assertThat(json).contains("-StreamThread-");
        assertThat(Dashboard.parse(json.replace("-StreamThread-", "-StreamThreads-"))
                        .problems(exposition))
                .anyMatch(p -> p.startsWith("no series of kafka_consumer_fetch_manager_records_lag_max matches"));
    }

    private static String scrape() {
        return given().when().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static String readText(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
