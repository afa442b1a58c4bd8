package io.nlistream.streamer.support;

import io.nlistream.streamer.topology.TopicNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Plain Kafka clients for tests: raw bytes in, read_committed records out. */
public final class KafkaIO {
    private KafkaIO() {}

    public static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return producer(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    /** {@code client}: bootstrap.servers and any security settings (KafkaBroker.clientConfig()). */
    public static KafkaProducer<byte[], byte[]> producer(Map<String, Object> client) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public static void send(String bootstrap, List<ProducerRecord<byte[], byte[]>> records) {
        send(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), records);
    }

    public static void send(Map<String, Object> client, List<ProducerRecord<byte[], byte[]>> records) {
        try (KafkaProducer<byte[], byte[]> producer = producer(client)) {
            for (ProducerRecord<byte[], byte[]> r : records) {
                producer.send(r);
            }
            producer.flush();
        }
    }

    /**
     * Reads {@code topic} from the beginning (read_committed) until {@code done} holds for the records kept by
     * {@code keep}, then keeps reading for {@code settle} more to catch duplicates; fails after {@code timeout}.
     */
    public static List<ConsumerRecord<byte[], byte[]>> read(
            String bootstrap,
            String topic,
            Predicate<ConsumerRecord<byte[], byte[]>> keep,
            Predicate<List<ConsumerRecord<byte[], byte[]>>> done,
            Duration settle,
            Duration timeout) {
        return read(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), topic, keep, done, settle, timeout);
    }

    /** As {@link #read(String, String, Predicate, Predicate, Duration, Duration)}, with security settings. */
    public static List<ConsumerRecord<byte[], byte[]>> read(
            Map<String, Object> client,
            String topic,
            Predicate<ConsumerRecord<byte[], byte[]>> keep,
            Predicate<List<ConsumerRecord<byte[], byte[]>>> done,
            Duration settle,
            Duration timeout) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            long settleUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (keep.test(r)) {
                        out.add(r);
                    }
                }
                if (settleUntil == Long.MAX_VALUE && done.test(out)) {
                    settleUntil = System.nanoTime() + settle.toNanos();
                }
            }
            if (!done.test(out)) {
                throw new AssertionError(
                        "timed out after " + timeout + " reading " + topic + ": got " + out.size() + " records");
            }
        }
        return out;
    }

    /** Everything committed on {@code topic} within {@code duration}. */
    public static List<ConsumerRecord<byte[], byte[]>> drain(String bootstrap, String topic, Duration duration) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        long until = System.nanoTime() + duration.toNanos();
        read(
                bootstrap,
                topic,
                r -> {
                    out.add(r);
                    return false;
                },
                got -> System.nanoTime() > until,
                Duration.ZERO,
                duration.plusSeconds(30));
        return out;
    }

    public static Map<String, String> headers(ConsumerRecord<byte[], byte[]> r) {
        Map<String, String> h = new java.util.LinkedHashMap<>();
        r.headers().forEach(x -> h.put(x.key(), x.value() == null ? null : new String(x.value())));
        return h;
    }

    /** Creates the pairs and classifications topics with {@code partitions} partitions and a one-partition DLQ. */
    public static TopicNames createTopics(String bootstrap, TopicNames t, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(
                            new NewTopic(t.pairs(), partitions, (short) 1),
                            new NewTopic(t.classifications(), partitions, (short) 1),
                            new NewTopic(t.deadLetters(), 1, (short) 1)))
                    .all()
                    .get();
        }
        return t;
    }
}
