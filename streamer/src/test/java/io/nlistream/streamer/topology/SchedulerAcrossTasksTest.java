package io.nlistream.streamer.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nlistream.kafkatest.KafkaBroker;
import io.nlistream.kafkatest.KafkaBrokerExtension;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.event.NliPair;
import io.nlistream.streamer.inference.BatchRunner;
import io.nlistream.streamer.ops.StreamerMetrics;
import io.nlistream.streamer.support.KafkaIO;
import io.nlistream.streamer.support.Pairs;
import io.nlistream.streamer.support.TinyModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The instance-wide scheduler on a real broker under exactly_once_v2: batches form from the pairs of several tasks
 * (partitions) at once, and admission is bounded while the stream thread keeps going; in both, every pair comes out
 * once, each partition in order.
 */
@ExtendWith(KafkaBrokerExtension.class)
class SchedulerAcrossTasksTest {
    @TempDir
    static Path tmp;

    @RegisterExtension
    static final TinyModel MODEL = new TinyModel();

    @Test
    void batchesFormAcrossTheTasksOfAnInstance(KafkaBroker broker) throws Exception {
        int partitions = 6;
        int perPartition = 8;
        TopicNames topics = topics(broker, "across", partitions);
        send(broker, topics, "across", partitions, partitions * perPartition);
        // A long max delay: a batcher per partition could never pass 8 pairs; the instance's queue reaches 32.
        BatchPolicy policy = new BatchPolicy(32, 1_000_000, Duration.ofSeconds(2), 256);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Running r = start(broker, topics, "across", policy, BatchRunner.DIRECT, registry, 128)) {
            List<ConsumerRecord<byte[], byte[]>> out = read(broker, topics, "across", partitions * perPartition);
            assertExactlyOnceInOrder(out, "across", partitions, partitions * perPartition);
            DistributionSummary sizes = registry.find("nli.batch.size").summary();
            assertThat(sizes.max())
                    .as("a batch larger than one partition's %d pairs", perPartition)
                    .isGreaterThan(perPartition);
            assertThat(sizes.mean()).isGreaterThan(perPartition);
        }
    }

    @Test
    void admissionIsBoundedAndTheBacklogStillDrainsInOrder(KafkaBroker broker) throws Exception {
        int partitions = 3;
        int pairs = 240;
        int bound = 16;
        TopicNames topics = topics(broker, "bounded", partitions);
        send(broker, topics, "bounded", partitions, pairs);
        AtomicReference<InferenceScheduler> scheduler = new AtomicReference<>();
        AtomicInteger peak = new AtomicInteger();
        // slow batches, so the stream thread reads far ahead of inference and meets the bound
        BatchRunner slow = (model, rows) -> {
            peak.accumulateAndGet(scheduler.get().outstanding(), Math::max);
            sleep(20);
            return model.predict(rows);
        };
        BatchPolicy policy = new BatchPolicy(8, 1_000_000, Duration.ofMillis(10), 256);
        try (Running r = start(broker, topics, "bounded", policy, slow, new SimpleMeterRegistry(), bound)) {
            scheduler.set(r.scheduler);
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    peak.accumulateAndGet(r.scheduler.outstanding(), Math::max);
                    sleep(1);
                }
            });
            sampler.setDaemon(true);
            sampler.start();
            List<ConsumerRecord<byte[], byte[]>> out = read(broker, topics, "bounded", pairs);
            sampler.interrupt();
            assertExactlyOnceInOrder(out, "bounded", partitions, pairs);
            assertThat(peak.get())
                    .as("pairs queued or running at most")
                    .isLessThanOrEqualTo(bound)
                    .as("the backlog did reach the bound")
                    .isGreaterThan(policy.maxSize());
        }
    }

    private record Running(KafkaStreams streams, InferenceScheduler scheduler) implements AutoCloseable {
        @Override
        public void close() {
            streams.close(Duration.ofSeconds(10));
            scheduler.close();
        }
    }

    private static Running start(
            KafkaBroker broker,
            TopicNames topics,
            String name,
            BatchPolicy policy,
            BatchRunner runner,
            SimpleMeterRegistry registry,
            int maxOutstanding) {
        StreamerMetrics metrics = new StreamerMetrics(registry);
        InferenceScheduler scheduler =
                new InferenceScheduler(policy, MODEL.models(), metrics, runner, 1, maxOutstanding);
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "scheduler-test-" + name);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put(StreamsConfig.POLL_MS_CONFIG, 5);
        p.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("state-" + name).toString());
        KafkaStreams streams = new KafkaStreams(NliTopology.build(topics, MODEL.models(), metrics, scheduler), p);
        streams.start();
        return new Running(streams, scheduler);
    }

    private static TopicNames topics(KafkaBroker broker, String name, int partitions) throws Exception {
        return KafkaIO.createTopics(broker.bootstrapServers(), CrashWorker.topics("scheduler-" + name), partitions);
    }

    /** Pair i goes to partition i % partitions, so each partition's pairs are in increasing i. */
    private static void send(KafkaBroker broker, TopicNames topics, String prefix, int partitions, int n) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            NliPair pair = Pairs.pair(prefix + "-" + i, i);
            records.add(new ProducerRecord<>(
                    topics.pairs(), i % partitions, pair.id().getBytes(StandardCharsets.UTF_8), Pairs.json(pair)));
        }
        KafkaIO.send(broker.bootstrapServers(), records);
    }

    private static List<ConsumerRecord<byte[], byte[]>> read(
            KafkaBroker broker, TopicNames topics, String prefix, int n) {
        return KafkaIO.read(
                broker.bootstrapServers(),
                topics.classifications(),
                r -> true,
                got -> got.size() >= n,
                Duration.ofSeconds(2),
                Duration.ofSeconds(120));
    }

    private static void assertExactlyOnceInOrder(
            List<ConsumerRecord<byte[], byte[]>> out, String prefix, int partitions, int n) {
        Map<Integer, Long> perIndex = out.stream()
                .collect(Collectors.groupingBy(r -> index(r.value(), prefix), TreeMap::new, Collectors.counting()));
        assertThat(perIndex.keySet()).hasSize(n).allSatisfy(i -> assertThat(i).isBetween(0, n - 1));
        assertThat(perIndex)
                .allSatisfy((i, count) -> assertThat(count).as("pair %d", i).isEqualTo(1));
        Map<Integer, List<Integer>> byPartition = out.stream()
                .collect(Collectors.groupingBy(
                        ConsumerRecord::partition,
                        Collectors.mapping(r -> index(r.value(), prefix), Collectors.toList())));
        assertThat(byPartition)
                .hasSize(partitions)
                .allSatisfy((partition, indexes) -> assertThat(indexes)
                        .as("partition %d", partition)
                        .isSorted()
                        .allSatisfy(i -> assertThat(i % partitions).isEqualTo(partition)));
    }

    private static int index(byte[] json, String prefix) {
        try {
            String id = Json.mapper().readTree(json).get("id").asText();
            return Integer.parseInt(id.substring(prefix.length() + 1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
