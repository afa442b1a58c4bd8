package io.nlistream.streamer.topology;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commit when drained ({@link EarlyCommits}) on a real broker under exactly_once_v2 with a commit interval of 30 s:
 * pairs sent to an idle instance are visible to a read_committed consumer within seconds, because the task asks for
 * a commit once it has forwarded everything; with early commits off the same setup shows nothing for as long, so the
 * interval really is what holds results back. A behaviour test, not a latency target (those are the benchmark's).
 */
@ExtendWith(KafkaBrokerExtension.class)
class CommitWhenDrainedTest {
    /** Far beyond the waits below: any result seen in time was committed on request, not by the interval. */
    private static final int COMMIT_INTERVAL_MS = 30_000;

    private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(10);

    @TempDir
    static Path tmp;

    @RegisterExtension
    static final TinyModel MODEL = new TinyModel();

    @Test
    void aDrainedTaskCommitsLongBeforeTheInterval(KafkaBroker broker) throws Exception {
        int partitions = 2;
        TopicNames topics = topics(broker, "drained", partitions);
        try (Running r = start(broker, topics, "drained", EarlyCommits.DEFAULT);
                KafkaConsumer<byte[], byte[]> committed = assignedReadCommitted(broker, topics)) {
            // three rounds on an idle instance: each round's pairs come out, in order, before the next is sent
            List<Integer> seen = new ArrayList<>();
            int sent = 0;
            for (int round = 0; round < 3; round++) {
                long t0 = System.nanoTime();
                List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
                for (int k = 0; k < 4; k++, sent++) {
                    NliPair pair = Pairs.pair("drained-" + sent, sent);
                    records.add(new ProducerRecord<>(
                            topics.pairs(),
                            sent % partitions,
                            pair.id().getBytes(StandardCharsets.UTF_8),
                            Pairs.json(pair)));
                }
                KafkaIO.send(broker.bootstrapServers(), records);
                int expected = sent;
                pollUntil(committed, seen, () -> seen.size() >= expected, VISIBLE_WITHIN);
                double seconds = (System.nanoTime() - t0) / 1e9;
                assertThat(seen)
                        .as(
                                "round %d: every pair sent so far, once, after %.1f s (commit interval %d ms)",
                                round, seconds, COMMIT_INTERVAL_MS)
                        .hasSize(expected)
                        .doesNotHaveDuplicates();
            }
            for (int p = 0; p < partitions; p++) {
                int partition = p;
                assertThat(seen.stream()
                                .filter(i -> i % partitions == partition)
                                .toList())
                        .as("partition %d in order", p)
                        .isSorted();
            }
        }
    }

    @Test
    void withoutEarlyCommitsTheIntervalHoldsResultsBack(KafkaBroker broker) throws Exception {
        TopicNames topics = topics(broker, "interval", 1);
        try (Running r = start(broker, topics, "interval", EarlyCommits.OFF);
                KafkaConsumer<byte[], byte[]> committed = assignedReadCommitted(broker, topics)) {
            NliPair pair = Pairs.pair("interval-0", 0);
            KafkaIO.send(
                    broker.bootstrapServers(),
                    List.of(new ProducerRecord<>(
                            topics.pairs(), 0, pair.id().getBytes(StandardCharsets.UTF_8), Pairs.json(pair))));
            List<Integer> seen = new ArrayList<>();
            pollUntil(committed, seen, () -> false, VISIBLE_WITHIN);
            assertThat(seen)
                    .as("nothing committed within %s of a %d ms interval", VISIBLE_WITHIN, COMMIT_INTERVAL_MS)
                    .isEmpty();
        }
    }

    private interface Done {
        boolean test();
    }

    private static void pollUntil(
            KafkaConsumer<byte[], byte[]> consumer, List<Integer> seen, Done done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.test() && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                seen.add(index(r.value()));
            }
        }
    }

    private record Running(KafkaStreams streams, InferenceScheduler scheduler) implements AutoCloseable {
        @Override
        public void close() {
            streams.close(Duration.ofSeconds(10));
            scheduler.close();
        }
    }

    /** Started and RUNNING, so the time measured is the pairs', not the group join's. */
    private static Running start(KafkaBroker broker, TopicNames topics, String name, EarlyCommits early)
            throws InterruptedException {
        BatchPolicy policy = new BatchPolicy(32, 8192, Duration.ofMillis(10), 256);
        StreamerMetrics metrics = new StreamerMetrics(new SimpleMeterRegistry());
        InferenceScheduler scheduler =
                new InferenceScheduler(policy, MODEL.models(), metrics, BatchRunner.DIRECT, 1, 128);
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "commit-when-drained-" + name);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
        // Kafka Streams refuses an interval above the transaction timeout (10 s under EOS)
        p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), 2 * COMMIT_INTERVAL_MS);
        p.put(StreamsConfig.POLL_MS_CONFIG, 5);
        p.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("state-" + name).toString());
        KafkaStreams streams =
                new KafkaStreams(NliTopology.build(topics, MODEL.models(), metrics, scheduler, early), p);
        streams.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
        return new Running(streams, scheduler);
    }

    /** Assigned, not subscribed: no group join in the time measured. */
    private static KafkaConsumer<byte[], byte[]> assignedReadCommitted(KafkaBroker broker, TopicNames topics) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = c.partitionsFor(topics.classifications()).stream()
                .map(i -> new TopicPartition(topics.classifications(), i.partition()))
                .toList();
        c.assign(partitions);
        c.seekToBeginning(partitions);
        partitions.forEach(c::position);
        return c;
    }

    private static TopicNames topics(KafkaBroker broker, String name, int partitions) throws Exception {
        return KafkaIO.createTopics(broker.bootstrapServers(), CrashWorker.topics("commit-" + name), partitions);
    }

    private static int index(byte[] json) {
        try {
            String id = Json.mapper().readTree(json).get("id").asText();
            return Integer.parseInt(id.substring(id.lastIndexOf('-') + 1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
