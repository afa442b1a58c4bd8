package io.nlistream.kafkatest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaBrokerExtension.class)
class SecuredAndRestartedBrokerTest {

    @Test
    void saslSslBrokerServesItsScramUserOverTlsAndRefusesOthers(@SaslSsl KafkaBroker broker) throws Exception {
        assertThat(broker.clientSecurity())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsKeys("sasl.jaas.config", "ssl.truststore.location", "ssl.truststore.password");
        assertThat(broker.saslSsl()).hasValueSatisfying(access -> {
            assertThat(access.truststore()).isRegularFile();
            assertThat(access.mechanism()).isEqualTo("SCRAM-SHA-512");
        });
        String topic = "secured-" + UUID.randomUUID();
        try (Admin admin = Admin.create(broker.clientConfig())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        produce(broker.clientConfig(), topic, List.of("a", "b"));
        assertThat(consume(broker.clientConfig(), topic, 2)).containsExactly("a", "b");

        Map<String, Object> wrongPassword = new HashMap<>(broker.clientConfig());
        wrongPassword.put(
                "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"nli-test\""
                        + " password=\"wrong\";");
        assertThatThrownBy(() -> describe(wrongPassword)).hasRootCauseInstanceOf(SaslAuthenticationException.class);

        Map<String, Object> plaintext = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        assertThatThrownBy(() -> describe(plaintext))
                .as("a PLAINTEXT client gets nothing from the SASL_SSL listener")
                .isInstanceOf(Exception.class);
    }

    @Test
    void restartableBrokerComesBackOnTheSamePortWithItsRecords() throws Exception {
        try (KafkaBroker broker = KafkaBrokers.start(BrokerSpec.plaintext().restartable())) {
            String topic = "restart-" + UUID.randomUUID();
            try (Admin admin = Admin.create(broker.clientConfig())) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)))
                        .all()
                        .get();
            }
            produce(broker.clientConfig(), topic, List.of("before"));
            String address = broker.bootstrapServers();

            broker.stop();
            assertThatThrownBy(() -> describe(broker.clientConfig()))
                    .as("nothing answers while stopped")
                    .isInstanceOf(Exception.class);

            broker.restart();
            assertThat(broker.bootstrapServers()).isEqualTo(address);
            produce(broker.clientConfig(), topic, List.of("after"));
            assertThat(consume(broker.clientConfig(), topic, 2)).containsExactly("before", "after");
        }
    }

    @Test
    void theSharedBrokerCannotBeStopped(KafkaBroker broker) {
        assertThatThrownBy(broker::stop).isInstanceOf(UnsupportedOperationException.class);
    }

    private static void describe(Map<String, Object> config) throws Exception {
        Map<String, Object> c = new HashMap<>(config);
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(c)) {
            admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
        }
    }

    private static void produce(Map<String, Object> config, String topic, List<String> values) throws Exception {
        Map<String, Object> p = new HashMap<>(config);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            for (String v : values) {
                producer.send(new ProducerRecord<>(topic, v)).get();
            }
        }
    }

    private static List<String> consume(Map<String, Object> config, String topic, int expected) {
        Map<String, Object> p = new HashMap<>(config);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "g-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
            }
            consumer.poll(Duration.ofMillis(300)).forEach(r -> out.add(r.value()));
        }
        return out;
    }
}
