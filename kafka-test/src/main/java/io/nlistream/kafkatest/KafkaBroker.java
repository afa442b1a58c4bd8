package io.nlistream.kafkatest;

/** A real Kafka broker a test talks to over the network; close() stops it and deletes its data. */
public interface KafkaBroker extends AutoCloseable {
    String bootstrapServers();

    /** "container" (Testcontainers, apache/kafka) or "embedded" (in-process KRaft). */
    String kind();

    @Override
    void close();
}
