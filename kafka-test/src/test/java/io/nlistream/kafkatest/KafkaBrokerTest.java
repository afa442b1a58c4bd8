package io.nlistream.kafkatest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaBrokerExtension.class)
class KafkaBrokerTest {

    @Test
    void createsTopicsProducesAndConsumes(KafkaBroker broker) throws Exception {
        String topic = "plain-" + UUID.randomUUID();
        try (Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
            // createTopics returns once the controller committed the topic; brokers' metadata follows shortly after
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (!admin.listTopics().names().get().contains(topic) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(admin.listTopics().names().get()).contains(topic);
            assertThat(admin.describeTopics(Set.of(topic))
                            .allTopicNames()
                            .get()
                            .get(topic)
                            .partitions())
                    .hasSize(3);
        }
        try (KafkaProducer<String, String> producer = producer(broker, Map.of())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get();
            }
        }
        List<ConsumerRecord<String, String>> got = consume(broker, topic, "read_uncommitted", 10);
        assertThat(got)
                .extracting(ConsumerRecord::value)
                .containsExactlyInAnyOrder("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9");
    }

    @Test
    void readCommittedSeesCommittedTransactionsOnly(KafkaBroker broker) throws Exception {
        String topic = "tx-" + UUID.randomUUID();
        try (Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> producer =
                producer(broker, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-" + UUID.randomUUID()))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "a", "aborted-1"));
            producer.send(new ProducerRecord<>(topic, "a", "aborted-2"));
            producer.flush(); // so the aborted records reach the log, as a crash mid-transaction would leave them
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "c", "committed-1"));
            producer.send(new ProducerRecord<>(topic, "c", "committed-2"));
            producer.commitTransaction();
        }
        assertThat(consume(broker, topic, "read_committed", 2))
                .extracting(ConsumerRecord::value)
                .containsExactly("committed-1", "committed-2");
        // The aborted records are physically in the log: read_uncommitted sees all four.
        assertThat(consume(broker, topic, "read_uncommitted", 4))
                .extracting(ConsumerRecord::value)
                .containsExactly("aborted-1", "aborted-2", "committed-1", "committed-2");
    }

    private static Admin admin(KafkaBroker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private static KafkaProducer<String, String> producer(KafkaBroker broker, Map<String, Object> extra) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.putAll(extra);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static List<ConsumerRecord<String, String>> consume(
            KafkaBroker broker, String topic, String isolation, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "g-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            // One more poll: anything beyond `expected` would be a bug the assertion must see.
            consumer.poll(Duration.ofMillis(500)).forEach(out::add);
        }
        return out;
    }
}
