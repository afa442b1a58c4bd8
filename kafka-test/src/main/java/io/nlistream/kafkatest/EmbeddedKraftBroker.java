package io.nlistream.kafkatest;

import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/**
 * A single-node KRaft broker in this JVM: the real Kafka server code, over real sockets. Replication factors are 1
 * so transactions (exactly_once_v2) and consumer groups work on one node.
 */
final class EmbeddedKraftBroker implements KafkaBroker {
    private final EmbeddedKafkaBroker broker;

    EmbeddedKraftBroker() {
        broker = new EmbeddedKafkaBroker()
                .withNodeId(0)
                .withKafkaPort(freePort())
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

    @Override
    public String bootstrapServers() {
        return broker.getAdvertisedListeners();
    }

    @Override
    public String kind() {
        return "embedded";
    }

    @Override
    public void close() {
        broker.close();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free local port for the embedded Kafka broker", e);
        }
    }
}
