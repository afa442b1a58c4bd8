package io.nlistream.streamer.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nlistream.kafkatest.KafkaBroker;
import io.nlistream.kafkatest.KafkaBrokerExtension;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.event.NliPair;
import io.nlistream.streamer.inference.BatchRunner;
import io.nlistream.streamer.support.KafkaIO;
import io.nlistream.streamer.support.Pairs;
import io.nlistream.streamer.support.TestBundles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL of an instance in the middle of its work: a streamer process with a slow model (300 ms per batch of 8) has a
 * backlog of pairs queued in its batchers and a batch running on the model when it is killed, after some batches
 * were committed. A new instance (fresh state dir) finishes the work: every pair comes out exactly once in the
 * read_committed output, and each partition's classifications are in the order of its pairs.
 */
@ExtendWith(KafkaBrokerExtension.class)
class CrashDuringInferenceTest {
    private static final String APP = "nli-crash-inflight-test";
    private static final String PREFIX = "inflight";
    private static final int PARTITIONS = 3;
    private static final int PAIRS = 240;

    @TempDir
    Path tmp;

    @Test
    void aKillWhileBatchesAreQueuedAndRunningLosesAndDuplicatesNothingAndKeepsPartitionOrder(KafkaBroker broker)
            throws Exception {
        String bootstrap = broker.bootstrapServers();
        TopicNames topics = KafkaIO.createTopics(bootstrap, CrashWorker.topics(PREFIX), PARTITIONS);
        Path bundle = TestBundles.tiny(tmp.resolve("bundle"), "1");
        send(bootstrap, topics, 0, PAIRS);

        // 1. A slow worker: batches of 8, 300 ms each, so the 240 pairs need ~9 s; it is killed part-way.
        Process worker = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "-Dai.djl.offline=true",
                        "-Dcrash.topics=" + PREFIX,
                        CrashWorker.class.getName(),
                        bootstrap,
                        APP,
                        tmp.resolve("state-a").toString(),
                        bundle.toString(),
                        "10",
                        "8",
                        "300")
                .inheritIO()
                .start();
        try {
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> committedOutputs(bootstrap, topics) >= 24);
        } finally {
            // 2. Crash: no shutdown hook, no commit, no clean close; batches are queued and one is on the model.
            worker.destroyForcibly();
            assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(committedOutputs(bootstrap, topics))
                .as("killed mid-backlog, not after it")
                .isLessThan(PAIRS);

        // 3. More pairs while it is down; a new instance (state only from the changelog) finishes the work.
        send(bootstrap, topics, PAIRS, PAIRS + 30);
        KafkaStreams restarted = CrashWorker.start(
                bootstrap,
                APP,
                tmp.resolve("state-b"),
                bundle,
                new BatchPolicy(8, 8192, Duration.ofMillis(10), 256),
                BatchRunner.DIRECT,
                topics);
        try {
            int total = PAIRS + 30;
            List<ConsumerRecord<byte[], byte[]>> out = KafkaIO.read(
                    bootstrap,
                    topics.classifications(),
                    r -> true,
                    got -> got.size() >= total,
                    Duration.ofSeconds(3),
                    Duration.ofSeconds(120));
            Map<Integer, Long> perIndex = out.stream()
                    .collect(Collectors.groupingBy(r -> index(r.value()), TreeMap::new, Collectors.counting()));
            assertThat(perIndex.keySet())
                    .hasSize(total)
                    .allSatisfy(i -> assertThat(i).isBetween(0, total - 1));
            assertThat(perIndex)
                    .allSatisfy((i, count) -> assertThat(count).as("pair %d", i).isEqualTo(1));
            Map<Integer, List<Integer>> byPartition = out.stream()
                    .collect(Collectors.groupingBy(
                            ConsumerRecord::partition, Collectors.mapping(r -> index(r.value()), Collectors.toList())));
            assertThat(byPartition).hasSize(PARTITIONS).allSatisfy((partition, indexes) -> {
                assertThat(indexes)
                        .as("partition %d", partition)
                        .isSorted()
                        .allSatisfy(i -> assertThat(i % PARTITIONS).isEqualTo(partition));
            });
        } finally {
            restarted.close(Duration.ofSeconds(10));
        }
    }

    /** Pair i goes to partition i % 3, so each partition's pairs are in increasing i. */
    private static void send(String bootstrap, TopicNames topics, int from, int to) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            NliPair p = Pairs.pair("inflight-" + i, i);
            records.add(new ProducerRecord<>(
                    topics.pairs(), i % PARTITIONS, p.id().getBytes(StandardCharsets.UTF_8), Pairs.json(p)));
        }
        KafkaIO.send(bootstrap, records);
    }

    private static int committedOutputs(String bootstrap, TopicNames topics) {
        return KafkaIO.drain(bootstrap, topics.classifications(), Duration.ofMillis(500))
                .size();
    }

    private static int index(byte[] json) {
        try {
            String id = Json.mapper().readTree(json).get("id").asText();
            return Integer.parseInt(id.substring("inflight-".length()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
