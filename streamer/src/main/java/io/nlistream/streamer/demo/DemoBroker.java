package io.nlistream.streamer.demo;

import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The demo's single-node KRaft broker, in this JVM (the real Kafka server code over real sockets, data deleted on
 * close). Replication factors are 1 so transactions (exactly_once_v2) work on one node.
 */
final class DemoBroker implements AutoCloseable {
    private final EmbeddedKafkaBroker broker;

    DemoBroker(int port) {
        broker = new EmbeddedKafkaBroker()
                .withNodeId(0)
                .withKafkaPort(port)
                .withControllerPort(freePort())
                .withDeleteLogDirsOnClose(true)
                .withAdditionalProperties(p -> {
                    p.put("offsets.topic.replication.factor", "1");
                    p.put("offsets.topic.num.partitions", "4");
                    p.put("transaction.state.log.replication.factor", "1");
                    p.put("transaction.state.log.min.isr", "1");
                    p.put("transaction.state.log.num.partitions", "4");
                    p.put("group.initial.rebalance.delay.ms", "0");
                    p.put("auto.create.topics.enable", "false");
                })
                .start();
    }

    String bootstrapServers() {
        return broker.getAdvertisedListeners();
    }

    /** The data topics with {@code partitions} each, and the control topic compacted, as the service expects it. */
    void createTopics(List<String> names, int partitions, String controlTopic) {
        List<NewTopic> topics = new ArrayList<>(
                names.stream().map(n -> new NewTopic(n, partitions, (short) 1)).toList());
        topics.add(new NewTopic(controlTopic, 1, (short) 1).configs(Map.of("cleanup.policy", "compact")));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            admin.createTopics(topics).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot create the demo topics: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the demo topics", e);
        }
    }

    @Override
    public void close() {
        broker.close();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free local port for the demo broker's controller", e);
        }
    }
}
