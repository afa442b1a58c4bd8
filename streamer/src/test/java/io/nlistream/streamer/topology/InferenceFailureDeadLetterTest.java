package io.nlistream.streamer.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.event.DeadLetter;
import io.nlistream.schemas.event.NliPair;
import io.nlistream.streamer.bundle.ActiveModel;
import io.nlistream.streamer.bundle.BundleLoader;
import io.nlistream.streamer.inference.BatchRunner;
import io.nlistream.streamer.inference.SessionSettings;
import io.nlistream.streamer.ops.StreamerMetrics;
import io.nlistream.streamer.support.Pairs;
import io.nlistream.streamer.support.TestBundles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch whose inference fails is dead-lettered pair by pair, in order, and each dead letter fits the DLQ topic's
 * limit: a pair larger than the limit is cut to a prefix with its source offset and size, instead of a record the
 * producer would refuse (under exactly-once that aborts every transaction of the task). Later batches are classified.
 */
class InferenceFailureDeadLetterTest {
    private static final TopicNames TOPICS = new TopicNames("in", "out", "dlq");
    private static final int DLQ_LIMIT = 4096;

    @TempDir
    Path tmp;

    @Test
    void failedBatchIsDeadLetteredInOrderWithinTheLimitAndLaterPairsAreClassified() throws Exception {
        try (ActiveModel models = new ActiveModel(new BundleLoader(SessionSettings.cpu()))) {
            models.load(TestBundles.tiny(tmp.resolve("bundle"), "1"));
            AtomicBoolean failNext = new AtomicBoolean(true);
            BatchRunner failingOnce = (model, rows) -> {
                if (failNext.getAndSet(false)) {
                    throw new IllegalStateException("simulated ONNX Runtime failure");
                }
                return BatchRunner.DIRECT.run(model, rows);
            };
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "inference-failure-test");
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
            props.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("state").toString());
            props.put(RecordSizeLimits.OVERRIDE_PREFIX + TOPICS.deadLetters(), Integer.toString(DLQ_LIMIT));
            props.put(RecordSizeLimits.OVERRIDE_PREFIX + TOPICS.classifications(), "1048576");
            BatchPolicy policy = new BatchPolicy(3, 1_000_000, Duration.ofHours(1), 256);
            StreamerMetrics metrics = new StreamerMetrics(new SimpleMeterRegistry());
            try (InferenceScheduler scheduler = new InferenceScheduler(policy, models, metrics, failingOnce, 1, 12);
                    TopologyTestDriver driver = new TopologyTestDriver(
                            NliTopology.build(TOPICS, models, metrics, scheduler), props, Instant.now())) {
                TestInputTopic<byte[], byte[]> in =
                        driver.createInputTopic("in", new ByteArraySerializer(), new ByteArraySerializer());
                TestOutputTopic<byte[], byte[]> out =
                        driver.createOutputTopic("out", new ByteArrayDeserializer(), new ByteArrayDeserializer());
                TestOutputTopic<byte[], byte[]> dlq =
                        driver.createOutputTopic("dlq", new ByteArrayDeserializer(), new ByteArrayDeserializer());

                NliPair large = new NliPair("big-1", "Il pleut à Paris. ".repeat(800), "Il fait beau.");
                byte[] largeJson = Pairs.json(large);
                assertThat(largeJson.length).isGreaterThan(DLQ_LIMIT);
                List<NliPair> first = List.of(Pairs.pair("small-0", 0), large, Pairs.pair("small-2", 2));
                first.forEach(p -> in.pipeInput(p.id().getBytes(StandardCharsets.UTF_8), Pairs.json(p)));

                List<TestRecord<byte[], byte[]>> letters = TestDrivers.await(driver, dlq, 3);
                assertThat(letters)
                        .extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
                        .containsExactly("small-0", "big-1", "small-2");
                for (TestRecord<byte[], byte[]> r : letters) {
                    Header[] headers = r.headers().toArray();
                    assertThat(RecordSizeLimits.sizeOf(r.key(), r.value(), headers))
                            .isLessThanOrEqualTo(DLQ_LIMIT);
                    assertThat(header(r, DeadLetter.Headers.REASON)).startsWith("inference-failed");
                    assertThat(header(r, DeadLetter.Headers.OFFSET)).isNotBlank();
                }
                TestRecord<byte[], byte[]> big = letters.get(1);
                assertThat(header(big, DeadLetterFit.TRUNCATED)).isEqualTo("true");
                assertThat(Integer.parseInt(header(big, DeadLetterFit.ORIGINAL_SIZE)))
                        .isGreaterThanOrEqualTo(largeJson.length);
                assertThat(largeJson).startsWith(big.value());
                assertThat(big.value().length).isLessThan(largeJson.length);
                assertThat(letters.get(0).value()).isEqualTo(Pairs.json(first.get(0)));
                assertThat(header(letters.get(0), DeadLetterFit.TRUNCATED)).isNull();
                assertThat(out.isEmpty()).isTrue();

                List<NliPair> later = Pairs.pairs("later", 3);
                later.forEach(p -> in.pipeInput(p.id().getBytes(StandardCharsets.UTF_8), Pairs.json(p)));
                assertThat(TestDrivers.await(driver, out, 3))
                        .extracting(
                                r -> Json.mapper().readTree(r.value()).get("id").asText())
                        .containsExactly("later-0", "later-1", "later-2");
                assertThat(dlq.isEmpty()).isTrue();
            }
        }
    }

    private static String header(TestRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
