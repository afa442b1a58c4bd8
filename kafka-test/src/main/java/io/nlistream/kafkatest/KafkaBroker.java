package io.nlistream.kafkatest;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** A real Kafka broker a test talks to over the network; close() stops it and deletes its data. */
public interface KafkaBroker extends AutoCloseable {
    String bootstrapServers();

    /**
     * What a client needs beyond {@code bootstrap.servers} to talk to {@link #bootstrapServers()}: empty for a
     * PLAINTEXT broker; {@code security.protocol}, {@code sasl.*} and {@code ssl.*} for a SASL_SSL one.
     */
    default Map<String, String> clientSecurity() {
        return Map.of();
    }

    /** For a SASL_SSL broker, its user and truststore; empty for a PLAINTEXT one. */
    default Optional<SaslSslAccess> saslSsl() {
        return Optional.empty();
    }

    /** {@code bootstrap.servers} plus {@link #clientSecurity()}: ready for Admin, producers and consumers. */
    default Map<String, Object> clientConfig() {
        Map<String, Object> config = new HashMap<>(clientSecurity());
        config.put("bootstrap.servers", bootstrapServers());
        return config;
    }

    /** "container" (Testcontainers, apache/kafka) or "embedded" (in-process KRaft). */
    String kind();

    /**
     * Stops the broker as a crash would leave it for clients (connections refused), keeping its ports and log
     * directories so {@link #restart()} brings the same cluster back with its topics, offsets and credentials.
     * Ask for a {@link BrokerSpec#restartable()} broker: not every kind can.
     */
    default void stop() {
        throw new UnsupportedOperationException("a " + kind() + " broker cannot be stopped and restarted; start one "
                + "with KafkaBrokers.start(BrokerSpec.plaintext().restartable())");
    }

    /** Starts a {@link #stop() stopped} broker again on the same ports and log directories; returns once it serves. */
    default void restart() {
        throw new UnsupportedOperationException("a " + kind() + " broker cannot be stopped and restarted; start one "
                + "with KafkaBrokers.start(BrokerSpec.plaintext().restartable())");
    }

    @Override
    void close();
}
