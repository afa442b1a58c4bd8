package io.nlistream.kafkatest;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Quarkus: {@code @QuarkusTestResource(KafkaTestResource.class)} (or {@code @WithTestResource}) starts a real broker
 * and points Kafka Streams, SmallRye Reactive Messaging and plain clients at it. Turn dev services off in the test
 * profile so Quarkus does not try to start its own.
 *
 * <p>Init args: {@code security=SASL_SSL} for a SCRAM-SHA-512-over-TLS broker, {@code restartable=true} for one the
 * test may {@link KafkaBroker#stop()} and {@link KafkaBroker#restart()}. Subclasses decide how the app is told about
 * the broker by overriding {@link #config(KafkaBroker)}.
 */
public class KafkaTestResource implements QuarkusTestResourceLifecycleManager {
    public static final String SECURITY_ARG = "security";
    public static final String RESTARTABLE_ARG = "restartable";

    private BrokerSpec spec = BrokerSpec.plaintext();
    private KafkaBroker broker;

    @Override
    public void init(Map<String, String> initArgs) {
        String security =
                initArgs.getOrDefault(SECURITY_ARG, "PLAINTEXT").trim().toUpperCase(Locale.ROOT);
        BrokerSpec base = switch (security) {
            case "PLAINTEXT" -> BrokerSpec.plaintext();
            case "SASL_SSL" -> BrokerSpec.saslSsl();
            default ->
                throw new IllegalArgumentException(
                        SECURITY_ARG + "=" + security + " is not valid; use PLAINTEXT or SASL_SSL");
        };
        spec = Boolean.parseBoolean(initArgs.getOrDefault(RESTARTABLE_ARG, "false")) ? base.restartable() : base;
    }

    @Override
    public Map<String, String> start() {
        broker = KafkaBrokers.start(spec);
        return config(broker);
    }

    /**
     * The configuration the app starts with: the bootstrap servers for every Kafka client of the app, and the
     * broker's {@link KafkaBroker#clientSecurity() security settings} as {@code kafka.*} (SmallRye channels,
     * Kafka clients) and {@code kafka-streams.*} (passed to Kafka Streams as they are).
     */
    protected Map<String, String> config(KafkaBroker broker) {
        String servers = broker.bootstrapServers();
        Map<String, String> config = new HashMap<>(Map.of(
                "kafka.bootstrap.servers", servers,
                "quarkus.kafka-streams.bootstrap-servers", servers,
                "mp.messaging.connector.smallrye-kafka.bootstrap.servers", servers,
                "quarkus.kafka.devservices.enabled", "false"));
        broker.clientSecurity().forEach((k, v) -> {
            config.put("kafka." + k, v);
            config.put("kafka-streams." + k, v);
        });
        return config;
    }

    /** The running broker (also injected into {@code KafkaBroker} fields of the test). */
    protected KafkaBroker broker() {
        return broker;
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(broker, new TestInjector.MatchesType(KafkaBroker.class));
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
        }
    }
}
