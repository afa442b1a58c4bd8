package io.nlistream.streamer.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nlistream.kafkatest.KafkaBroker;
import io.nlistream.kafkatest.KafkaBrokerExtension;
import io.nlistream.streamer.bundle.ActiveModel;
import io.nlistream.streamer.bundle.BundleLoader;
import io.nlistream.streamer.bundle.ModelControl;
import io.nlistream.streamer.inference.SessionSettings;
import io.nlistream.streamer.ops.StreamerMetrics;
import io.nlistream.streamer.support.KafkaIO;
import io.nlistream.streamer.support.TestBundles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable model control on a real broker: the desired bundle of a deployment is the latest event keyed by its name
 * on a compacted control topic, read from the beginning at every start. Each "instance" here is what one streamer
 * process runs for model control: an {@link ActiveModel} loaded from its configured bundle, its reload meters, and a
 * {@link ModelControl} following the topic with its own consumer.
 */
@ExtendWith(KafkaBrokerExtension.class)
class DurableModelControlTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String DEPLOYMENT = "nli-streamer-fr";

    @TempDir
    Path tmp;

    @Test
    void aReloadPublishedWhileTheInstanceIsDownReachesItWhenItStarts(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        String topic = "control-down";
        Path configured = TestBundles.tiny(tmp.resolve("configured"), "1");
        Path v2 = TestBundles.tiny(tmp.resolve("v2"), "2");
        Path v3 = TestBundles.tiny(tmp.resolve("v3"), "3");

        try (Instance first = Instance.start(bootstrap, topic, DEPLOYMENT, configured)) {
            assertThat(first.control.awaitCaughtUp(TIMEOUT)).isTrue();
            assertThat(first.version()).isEqualTo("1");
        }
        assertThat(cleanupPolicy(bootstrap, topic))
                .as("the control topic is created compacted")
                .isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);

        // while no instance runs: an older and the latest event for this deployment, one for another deployment
        publish(bootstrap, topic, DEPLOYMENT, reload(v3));
        publish(bootstrap, topic, DEPLOYMENT, reload(v2));
        publish(bootstrap, topic, "another-deployment", reload(v3));

        try (Instance back = Instance.start(bootstrap, topic, DEPLOYMENT, configured)) {
            assertThat(back.control.awaitCaughtUp(TIMEOUT)).isTrue();
            assertThat(back.version())
                    .as("caught up = the latest desired bundle already served")
                    .isEqualTo("2");
            ModelControl.Status status = back.control.status();
            assertThat(same(status.desired(), v2)).isTrue();
            assertThat(status.refused()).isEmpty();
            assertThat(back.reloads("ok")).isEqualTo(1);

            // later events are applied as they come
            publish(bootstrap, topic, DEPLOYMENT, reload(v3));
            await().atMost(TIMEOUT).until(() -> back.version().equals("3"));
            publish(bootstrap, topic, "another-deployment", reload(v2));
            publish(bootstrap, topic, DEPLOYMENT, "{\"action\":\"reload\"}");
            await().atMost(TIMEOUT).until(() -> back.version().equals("1") && back.reloads("ok") == 3);
        }
    }

    @Test
    void twoInstancesConvergeAndABadBundleIsRefusedWhileTheOldOneKeepsServing(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        String topic = "control-two";
        Path configured = TestBundles.tiny(tmp.resolve("configured"), "1");
        Path v2 = TestBundles.tiny(tmp.resolve("v2"), "2");
        Path corrupt = TestBundles.tiny(tmp.resolve("corrupt"), "9");
        Files.write(corrupt.resolve("model.onnx"), new byte[] {0}, StandardOpenOption.APPEND);
        Path missing = tmp.resolve("never-written");

        try (Instance a = Instance.start(bootstrap, topic, DEPLOYMENT, configured);
                Instance b = Instance.start(bootstrap, topic, DEPLOYMENT, configured);
                Instance other = Instance.start(bootstrap, topic, "another-deployment", configured)) {
            for (Instance i : List.of(a, b, other)) {
                assertThat(i.control.awaitCaughtUp(TIMEOUT)).isTrue();
            }

            publish(bootstrap, topic, DEPLOYMENT, reload(v2));
            await().atMost(TIMEOUT)
                    .until(() -> a.version().equals("2") && b.version().equals("2"));
            assertThat(same(a.dir(), b.dir())).as("both serve one bundle").isTrue();
            assertThat(other.version()).as("another deployment's key").isEqualTo("1");

            publish(bootstrap, topic, DEPLOYMENT, reload(corrupt));
            await().atMost(TIMEOUT).until(() -> a.reloads("refused") == 1 && b.reloads("refused") == 1);
            publish(bootstrap, topic, DEPLOYMENT, reload(missing));
            await().atMost(TIMEOUT)
                    .until(() -> Stream.of(a, b)
                            .allMatch(i -> i.reloads("refused") == 2
                                    && i.control
                                            .status()
                                            .refused()
                                            .filter(why -> why.contains(missing.toString()))
                                            .isPresent()));
            for (Instance i : List.of(a, b)) {
                assertThat(i.version()).as("the old model keeps serving").isEqualTo("2");
                ModelControl.Status s = i.control.status();
                assertThat(same(s.desired(), missing)).isTrue();
                assertThat(s.refused())
                        .hasValueSatisfying(why ->
                                assertThat(why).contains(missing.toString()).contains("does not exist"));
            }

            // an instance that starts after the bad events skips them to the newest bundle that loads: the one its
            // peers kept serving, not its configured one
            try (Instance late = Instance.start(bootstrap, topic, DEPLOYMENT, configured)) {
                assertThat(late.control.awaitCaughtUp(TIMEOUT)).isTrue();
                assertThat(late.version()).isEqualTo("2");
                assertThat(same(late.dir(), a.dir())).isTrue();
                assertThat(late.reloads("refused")).isEqualTo(2);
                assertThat(late.control.status().refused()).isPresent();
            }

            // a good event after the bad ones: every instance of the deployment follows
            Path v4 = TestBundles.tiny(tmp.resolve("v4"), "4");
            publish(bootstrap, topic, DEPLOYMENT, reload(v4));
            // (the status is set once the reload returned, just after the swap: wait for both)
            await().atMost(TIMEOUT)
                    .until(() -> Stream.of(a, b)
                            .allMatch(i -> i.version().equals("4")
                                    && i.control.status().refused().isEmpty()));
            assertThat(other.version()).isEqualTo("1");
        }
    }

    private static String reload(Path dir) {
        return "{\"action\":\"reload\",\"path\":\"" + dir + "\"}";
    }

    private static void publish(String bootstrap, String topic, String key, String value) {
        KafkaIO.send(
                bootstrap,
                List.of(new ProducerRecord<>(
                        topic, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8))));
    }

    private static String cleanupPolicy(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = admin.describeConfigs(List.of(r)).all().get().get(r);
            return config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
        }
    }

    /** One instance's model control: its served model, reload meters and control consumer. */
    private record Instance(ActiveModel models, SimpleMeterRegistry registry, ModelControl control)
            implements AutoCloseable {
        static Instance start(String bootstrap, String topic, String deployment, Path configured) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            StreamerMetrics metrics = new StreamerMetrics(registry);
            ActiveModel models = new ActiveModel(new BundleLoader(SessionSettings.cpu()));
            models.onSwap(metrics::serving);
            models.onReload(metrics::reload);
            models.load(configured);
            ModelControl control = ModelControl.start(
                    models,
                    new ModelControl.Settings(
                            topic,
                            deployment,
                            configured,
                            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap)));
            return new Instance(models, registry, control);
        }

        String version() {
            return models.peek().ref().version();
        }

        Path dir() {
            return models.peek().dir();
        }

        /** nli_bundle_reloads_total{outcome}. */
        double reloads(String outcome) {
            Counter c =
                    registry.find("nli.bundle.reloads").tag("outcome", outcome).counter();
            return c == null ? 0 : c.count();
        }

        @Override
        public void close() {
            control.close();
            models.close();
        }
    }

    private static boolean same(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
}
