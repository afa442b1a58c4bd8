package io.nlistream.streamer.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nlistream.kafkatest.KafkaBroker;
import io.nlistream.kafkatest.KafkaBrokerExtension;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.event.NliPair;
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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pairs buffered in the micro-batcher survive a crash: a streamer process whose input offsets are committed while its
 * pairs wait for their batch is killed with SIGKILL; a new instance (fresh state dir, so the buffer can only come
 * from the changelog) emits every pair exactly once in the read_committed output.
 */
@ExtendWith(KafkaBrokerExtension.class)
class CrashRecoveryTest {
    private static final String APP = "nli-crash-test";

    @TempDir
    Path tmp;

    @Test
    void bufferedPairsSurviveAKillAndComeOutExactlyOnce(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(
                            new NewTopic("crash.pairs", 2, (short) 1),
                            new NewTopic("crash.classifications", 2, (short) 1),
                            new NewTopic("crash.dlq", 1, (short) 1)))
                    .all()
                    .get();
        }
        Path bundle = TestBundles.tiny(tmp.resolve("bundle"), "1");

        // 1. A worker that never flushes on its own (1 h delay, room for 1000 pairs) buffers 25 pairs, commits them.
        Process worker = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "-Dai.djl.offline=true",
                        CrashWorker.class.getName(),
                        bootstrap,
                        APP,
                        tmp.resolve("state-a").toString(),
                        bundle.toString(),
                        "3600000")
                .inheritIO()
                .start();
        try {
            send(bootstrap, 0, 25);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                await().atMost(Duration.ofSeconds(90)).until(() -> committed(admin) == 25);
            }
            assertThat(KafkaIO.drain(bootstrap, "crash.classifications", Duration.ofSeconds(1)))
                    .as("the pairs are buffered, not classified")
                    .isEmpty();
        } finally {
            // 2. Crash: no shutdown hook, no commit, no clean close.
            worker.destroyForcibly();
            assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        // 3. More pairs arrive while the service is down; a new instance starts from the changelog.
        send(bootstrap, 25, 35);
        KafkaStreams restarted = CrashWorker.start(
                bootstrap, APP, tmp.resolve("state-b"), bundle, new BatchPolicy(8, 8192, Duration.ofMillis(10), 256));
        try {
            Set<String> ids = ids(0, 35);
            List<ConsumerRecord<byte[], byte[]>> out = KafkaIO.read(
                    bootstrap,
                    "crash.classifications",
                    r -> true,
                    got -> got.size() >= ids.size(),
                    Duration.ofSeconds(3),
                    Duration.ofSeconds(120));
            Map<String, Long> perId =
                    out.stream().collect(Collectors.groupingBy(r -> id(r.value()), Collectors.counting()));
            assertThat(perId.keySet()).isEqualTo(ids);
            assertThat(perId).allSatisfy((id, count) -> assertThat(count).as(id).isEqualTo(1));
        } finally {
            restarted.close(Duration.ofSeconds(10));
        }
    }

    private static void send(String bootstrap, int from, int to) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            NliPair p = Pairs.pair("crash-" + i, i);
            records.add(
                    new ProducerRecord<>("crash.pairs", i % 2, p.id().getBytes(StandardCharsets.UTF_8), Pairs.json(p)));
        }
        KafkaIO.send(bootstrap, records);
    }

    private static long committed(Admin admin) throws Exception {
        Map<?, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(APP)
                .partitionsToOffsetAndMetadata()
                .get();
        return offsets.values().stream()
                .filter(o -> o != null)
                .mapToLong(OffsetAndMetadata::offset)
                .sum();
    }

    private static Set<String> ids(int from, int to) {
        Set<String> ids = new java.util.HashSet<>();
        for (int i = from; i < to; i++) {
            ids.add("crash-" + i);
        }
        return ids;
    }

    private static String id(byte[] json) {
        try {
            return Json.mapper().readTree(json).get("id").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
