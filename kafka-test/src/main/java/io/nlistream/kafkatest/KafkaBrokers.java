package io.nlistream.kafkatest;

import java.util.Locale;
import org.testcontainers.DockerClientFactory;

/**
 * Starts a real broker: Testcontainers when a Docker engine answers, the in-process KRaft broker otherwise.
 * {@code NLI_TEST_KAFKA=container|embedded} (env or system property) forces one for plain brokers; a SASL_SSL or
 * restartable broker ({@link BrokerSpec}) is always the in-process one.
 */
public final class KafkaBrokers {
    public static final String SELECT = "NLI_TEST_KAFKA";

    private KafkaBrokers() {}

    public static KafkaBroker start() {
        return start(BrokerSpec.plaintext());
    }

    public static KafkaBroker start(BrokerSpec spec) {
        if (spec.needsEmbedded()) {
            return new EmbeddedKraftBroker(spec);
        }
        String forced = System.getProperty(SELECT, System.getenv(SELECT));
        String kind = forced == null || forced.isBlank()
                ? (dockerAvailable() ? "container" : "embedded")
                : forced.trim().toLowerCase(Locale.ROOT);
        return switch (kind) {
            case "container" -> new ContainerKafkaBroker();
            case "embedded" -> new EmbeddedKraftBroker(spec);
            default ->
                throw new IllegalArgumentException(
                        SELECT + "=" + forced + " is not valid; use 'container' or 'embedded'");
        };
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
