package io.nlistream.streamer.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlistream.schemas.Json;
import io.nlistream.streamer.StreamerBeans;
import io.nlistream.streamer.StreamerConfig;
import io.nlistream.streamer.bundle.ActiveModel;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * The {@code demo} profile ({@code nli.demo.enabled=true}): starts an in-process Kafka broker before anything connects,
 * creates the topics, and once Kafka Streams runs publishes the project's sample pairs and prints each
 * classification. The service then keeps running (HTTP on :8080) unless {@code nli.demo.exit-after-print=true}.
 */
@ApplicationScoped
public class DemoMode {
    private static final Logger LOG = Logger.getLogger(DemoMode.class);

    @Inject
    StreamerConfig config;

    @Inject
    Instance<KafkaStreams> streams;

    @Inject
    ActiveModel models;

    private DemoBroker broker;

    /** Runs before the model is loaded and before Kafka Streams is started. */
    void start(@Observes @Priority(StreamerBeans.LOAD_MODEL_PRIORITY - 50) StartupEvent event) {
        if (!config.demo().enabled()) {
            return;
        }
        if (!Files.isDirectory(config.bundle().path())) {
            throw new IllegalStateException(
                    "the demo bundle " + config.bundle().path().toAbsolutePath() + " is missing:"
                            + " build it from the repository root with `./mvnw -B -pl trainer -am package -DskipTests`,"
                            + " or point -Dnli.bundle.path at any bundle directory");
        }
        LOG.infof(
                "demo: starting an in-process Kafka broker on localhost:%d",
                config.demo().brokerPort());
        broker = new DemoBroker(config.demo().brokerPort());
        broker.createTopics(
                List.of(
                        config.topics().pairs(),
                        config.topics().classifications(),
                        config.topics().dlq()),
                1,
                config.topics().control());
        Thread demo = new Thread(this::publishAndPrint, "nli-demo");
        demo.setDaemon(true);
        demo.start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (broker != null) {
            broker.close();
        }
    }

    private void publishAndPrint() {
        try {
            awaitRunning();
            Map<String, JsonNode> pairs = readPairs();
            publish(pairs);
            System.out.printf(
                    "%nclassifications of the %d sample pairs by %s (id, label, confidence, probabilities):%n",
                    pairs.size(), bundleName());
            print(pairs);
            System.out.println();
            if (config.demo().exitAfterPrint()) {
                LOG.info("demo: done (nli.demo.exit-after-print=true)");
                Quarkus.asyncExit();
            } else {
                LOG.infof(
                        "demo: done; the streamer keeps running: POST pairs to http://localhost:%s/pairs, watch"
                                + " /classifications/stream, metrics on /q/metrics (Ctrl+C to stop)",
                        ConfigProvider.getConfig()
                                .getOptionalValue("quarkus.http.port", Integer.class)
                                .orElse(8080));
            }
        } catch (RuntimeException e) {
            LOG.error("demo failed", e);
            Quarkus.asyncExit(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String bundleName() {
        return models.peek().ref().name() + " " + models.peek().ref().version();
    }

    private void awaitRunning() throws InterruptedException {
        KafkaStreams ks = streams.get();
        while (ks.state() != KafkaStreams.State.RUNNING) {
            Thread.sleep(100);
        }
    }

    private Map<String, JsonNode> readPairs() {
        Map<String, JsonNode> pairs = new LinkedHashMap<>();
        try (InputStream in = Thread.currentThread()
                .getContextClassLoader()
                .getResourceAsStream(config.demo().pairs())) {
            if (in == null) {
                throw new IllegalStateException(
                        "demo pairs resource " + config.demo().pairs() + " is not on the classpath");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.isBlank()) {
                    JsonNode pair = Json.mapper().readTree(line);
                    pairs.put(pair.get("id").asText(), pair);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pairs;
    }

    private void publish(Map<String, JsonNode> pairs) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            for (Map.Entry<String, JsonNode> e : pairs.entrySet()) {
                producer.send(new ProducerRecord<>(
                        config.topics().pairs(), e.getKey(), e.getValue().toString()));
            }
        }
        LOG.infof(
                "demo: published %d sample pairs to %s",
                pairs.size(), config.topics().pairs());
    }

    private void print(Map<String, JsonNode> pairs) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "nli-demo-printer");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(config.topics().classifications()));
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (seen.size() < pairs.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    JsonNode c = Json.mapper().readTree(r.value());
                    JsonNode pair = pairs.get(c.get("id").asText());
                    if (pair != null && !seen.contains(c.get("id").asText())) {
                        seen.add(c.get("id").asText());
                        System.out.println(format(pair, c));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (seen.size() < pairs.size()) {
            throw new IllegalStateException(
                    "demo: only " + seen.size() + " of " + pairs.size() + " classifications arrived within 2 minutes");
        }
    }

    private static String format(JsonNode pair, JsonNode c) {
        JsonNode p = c.get("probabilities");
        return String.format(
                Locale.ROOT,
                "%-8s %-13s %.3f  [e %.3f n %.3f c %.3f]  %s  =>  %s",
                c.get("id").asText(),
                c.get("label").asText(),
                c.get("confidence").asDouble(),
                p.get("entailment").asDouble(),
                p.get("neutral").asDouble(),
                p.get("contradiction").asDouble(),
                pair.get("premise").asText(),
                pair.get("hypothesis").asText());
    }
}
