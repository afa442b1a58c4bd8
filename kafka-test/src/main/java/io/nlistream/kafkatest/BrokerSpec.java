package io.nlistream.kafkatest;

/**
 * What a test needs from its broker. {@link #plaintext()} is what every test gets by default (a container when
 * Docker answers); SASL_SSL and stop/restart are served by the in-process broker only, since they need control over
 * its listeners, keystores and lifecycle.
 */
public record BrokerSpec(Security security, boolean canRestart) {
    public enum Security {
        PLAINTEXT,
        /** SCRAM-SHA-512 over TLS, with a user and keystores generated for the broker's lifetime. */
        SASL_SSL
    }

    public static BrokerSpec plaintext() {
        return new BrokerSpec(Security.PLAINTEXT, false);
    }

    public static BrokerSpec saslSsl() {
        return new BrokerSpec(Security.SASL_SSL, false);
    }

    /** The same, able to {@link KafkaBroker#stop()} and {@link KafkaBroker#restart()} on the same port. */
    public BrokerSpec restartable() {
        return new BrokerSpec(security, true);
    }

    /** Whether only the in-process broker can serve this. */
    boolean needsEmbedded() {
        return security != Security.PLAINTEXT || canRestart;
    }
}
