package io.nlistream.streamer.topology;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.jboss.logging.Logger;

/**
 * The largest record (batch) each output topic takes: the smaller of the topic's {@code max.message.bytes}, read from
 * the broker, and the producer's {@code max.request.size}. A record is sized as the producer sizes it before sending
 * ({@link AbstractRecords#estimateSizeInBytesUpperBound}), so a record that fits here is never refused as too large.
 *
 * <p>{@value #OVERRIDE_PREFIX}{@code <topic>} in the Kafka Streams config ({@code kafka-streams.nli.max-message-bytes.
 * nli.pairs.dlq=...}) sets a topic's limit without asking the broker (an ACL that forbids DescribeConfigs).
 */
public final class RecordSizeLimits {
    public static final String OVERRIDE_PREFIX = "nli.max-message-bytes.";
    private static final Logger LOG = Logger.getLogger(RecordSizeLimits.class);
    /** Kafka's own default for max.message.bytes and max.request.size, used when the broker cannot be asked. */
    static final int KAFKA_DEFAULT = 1_048_576;
    /** Tasks of one instance share one answer per topic (each task's init would otherwise ask the broker again). */
    private static final Map<String, Integer> CACHE = new ConcurrentHashMap<>();

    private RecordSizeLimits() {}

    /** The limit for {@code topic}, from the override, else the broker, else Kafka's default (logged). */
    public static int of(Map<String, Object> streamsConfig, String topic) {
        Object override = streamsConfig.get(OVERRIDE_PREFIX + topic);
        int producerMax = intOr(
                streamsConfig.getOrDefault(
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                        streamsConfig.get("producer." + ProducerConfig.MAX_REQUEST_SIZE_CONFIG)),
                KAFKA_DEFAULT);
        int topicMax = override != null
                ? intOr(override, KAFKA_DEFAULT)
                : CACHE.computeIfAbsent(
                        streamsConfig.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG) + "/" + topic,
                        k -> fromBroker(streamsConfig, topic));
        return Math.min(topicMax, producerMax);
    }

    /** What the producer counts for this record, batch overhead included. */
    public static int sizeOf(byte[] key, byte[] value, Header[] headers) {
        return AbstractRecords.estimateSizeInBytesUpperBound(
                RecordBatch.CURRENT_MAGIC_VALUE, CompressionType.NONE, key, value, headers);
    }

    private static int fromBroker(Map<String, Object> streamsConfig, String topic) {
        Map<String, Object> admin = new HashMap<>();
        // the Streams config carries bootstrap and security settings; Admin ignores (and logs) the rest, so pass
        // only what it knows
        streamsConfig.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k)) {
                admin.put(k, v);
            }
        });
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin client = Admin.create(admin)) {
            Config config = client.describeConfigs(List.of(resource))
                    .all()
                    .get(30, TimeUnit.SECONDS)
                    .get(resource);
            int limit = Integer.parseInt(
                    config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value());
            LOG.infof("%s takes records of at most %d bytes (max.message.bytes)", topic, limit);
            return limit;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warnf(
                    "cannot read max.message.bytes of %s (%s); assuming Kafka's default %d bytes. Set %s%s to "
                            + "configure it",
                    topic, e, KAFKA_DEFAULT, OVERRIDE_PREFIX, topic);
            return KAFKA_DEFAULT;
        }
    }

    private static int intOr(Object value, int fallback) {
        return value == null || value.toString().isBlank()
                ? fallback
                : Integer.parseInt(value.toString().trim());
    }
}
