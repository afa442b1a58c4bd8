package io.nlistream.kafkatest;

import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/** Kafka in a container (apache/kafka, KRaft), for machines with a Docker engine. */
final class ContainerKafkaBroker implements KafkaBroker {
    /** The broker version Quarkus 3.33 ships its clients for. */
    static final String IMAGE = "apache/kafka:4.1.2";

    private final KafkaContainer container;

    ContainerKafkaBroker() {
        container = new KafkaContainer(DockerImageName.parse(IMAGE))
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
        container.start();
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public String kind() {
        return "container";
    }

    @Override
    public void close() {
        container.stop();
    }
}
