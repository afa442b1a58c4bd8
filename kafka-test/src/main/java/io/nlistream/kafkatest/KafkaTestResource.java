package io.nlistream.kafkatest;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Quarkus: {@code @QuarkusTestResource(KafkaTestResource.class)} (or {@code @WithTestResource}) starts a real broker
 * and points Kafka Streams, SmallRye Reactive Messaging and plain clients at it. Turn dev services off in the test
 * profile so Quarkus does not try to start its own.
 */
public class KafkaTestResource implements QuarkusTestResourceLifecycleManager {
    private KafkaBroker broker;

    @Override
    public Map<String, String> start() {
        broker = KafkaBrokers.start();
        String servers = broker.bootstrapServers();
        return Map.of(
                "kafka.bootstrap.servers", servers,
                "quarkus.kafka-streams.bootstrap-servers", servers,
                "mp.messaging.connector.smallrye-kafka.bootstrap.servers", servers,
                "quarkus.kafka.devservices.enabled", "false");
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
