package io.nlistream.streamer.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.Labels;
import io.nlistream.schemas.event.NliPair;
import io.nlistream.schemas.validation.ContractSchema;
import io.nlistream.schemas.validation.SchemaValidator;
import io.nlistream.streamer.bundle.ActiveModel;
import io.nlistream.streamer.inference.BatchRunner;
import io.nlistream.streamer.inference.NliModel;
import io.nlistream.streamer.ops.StreamerMetrics;
import io.nlistream.streamer.support.Pairs;
import io.nlistream.streamer.support.TinyModel;
import io.nlistream.tokenizer.EncodedPair;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * How batches are cut (size, token budget, max delay on a short queue) and the order results come out in, on
 * TopologyTestDriver with the real scheduler (one worker, real time).
 */
class BatchingRulesTest {
    private static final TopicNames TOPICS = new TopicNames("in", "out", "dlq");
    private static final Duration NEVER = Duration.ofHours(1);

    @TempDir
    static Path tmp;

    @RegisterExtension
    static final TinyModel MODEL = new TinyModel();

    /**
     * A driver over the topology with the given policy and a one-worker scheduler; the test pipes pairs in and reads
     * classifications, which the batcher forwards from its wall-clock punctuation once the worker has run them.
     */
    private record Harness(
            TopologyTestDriver driver,
            InferenceScheduler scheduler,
            TestInputTopic<byte[], byte[]> in,
            TestOutputTopic<byte[], byte[]> out,
            SimpleMeterRegistry registry)
            implements AutoCloseable {
        static Harness of(BatchPolicy policy) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            StreamerMetrics metrics = new StreamerMetrics(registry);
            InferenceScheduler scheduler = new InferenceScheduler(
                    policy,
                    MODEL.models(),
                    metrics,
                    BatchRunner.DIRECT,
                    1,
                    InferenceScheduler.defaultMaxOutstanding(policy, 1));
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "batching-test");
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
            props.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("state").toString());
            TopologyTestDriver driver =
                    new TopologyTestDriver(NliTopology.build(TOPICS, MODEL.models(), metrics, scheduler), props);
            return new Harness(
                    driver,
                    scheduler,
                    driver.createInputTopic("in", new ByteArraySerializer(), new ByteArraySerializer()),
                    driver.createOutputTopic("out", new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                    registry);
        }

        void send(NliPair pair) {
            in.pipeInput(pair.id().getBytes(), Pairs.json(pair));
        }

        /** The ids of exactly the next {@code n} classifications. */
        List<String> ids(int n) {
            return TestDrivers.await(driver, out, n).stream()
                    .map(r -> read(r.value()).get("id").asText())
                    .toList();
        }

        /** Nothing comes out while {@code d} of real time passes (a worker would have run a full batch by then). */
        boolean staysEmpty(Duration d) {
            TestDrivers.idle(driver, d);
            return out.isEmpty();
        }

        double batches(String trigger) {
            var c = registry.find("nli.batches").tag("trigger", trigger).counter();
            return c == null ? 0 : c.count();
        }

        @Override
        public void close() {
            driver.close();
            scheduler.close();
        }
    }

    @Test
    void flushesWhenTheBatchIsFull() {
        try (Harness h = Harness.of(new BatchPolicy(4, 1_000_000, NEVER, 256))) {
            List<NliPair> pairs = Pairs.pairs("size", 10);
            pairs.subList(0, 3).forEach(h::send);
            assertThat(h.staysEmpty(Duration.ofMillis(300)))
                    .as("3 of 4 pairs: nothing flushed yet")
                    .isTrue();

            h.send(pairs.get(3));
            assertThat(h.ids(4)).containsExactly("size-0", "size-1", "size-2", "size-3");

            pairs.subList(4, 10).forEach(h::send);
            assertThat(h.ids(4)).containsExactly("size-4", "size-5", "size-6", "size-7");
            assertThat(h.staysEmpty(Duration.ofMillis(300)))
                    .as("size-8, size-9 wait")
                    .isTrue();
            assertThat(h.batches("size")).isEqualTo(2);
            assertThat(h.registry.find("nli.queue.depth").gauge().value())
                    .as("size-8, size-9 wait")
                    .isEqualTo(2);
            assertThat(h.registry.find("nli.batch.fill").summary().mean())
                    .as("full batches")
                    .isEqualTo(1.0);
            assertThat(h.registry.find("nli.inference.busy").functionCounter().count())
                    .isPositive();
        }
    }

    @Test
    void flushesBeforeThePaddedTokenBudgetIsExceeded() {
        NliPair pair = Pairs.pair("tokens", 1);
        int length;
        try (ActiveModel.Lease lease = MODEL.models().lease()) {
            length = lease.model().encode(pair.premise(), pair.hypothesis()).length();
        }
        // Two identical pairs fit (2L <= 2L + 1); a third would pad to 3L and pass the budget.
        try (Harness h = Harness.of(new BatchPolicy(32, 2 * length + 1, NEVER, 256))) {
            h.send(new NliPair("t-0", pair.premise(), pair.hypothesis()));
            h.send(new NliPair("t-1", pair.premise(), pair.hypothesis()));
            assertThat(h.staysEmpty(Duration.ofMillis(300))).isTrue();

            h.send(new NliPair("t-2", pair.premise(), pair.hypothesis()));
            assertThat(h.ids(2)).containsExactly("t-0", "t-1");
            assertThat(h.staysEmpty(Duration.ofMillis(200))).as("t-2 waits").isTrue();
            assertThat(h.batches("tokens")).isEqualTo(1);
        }
        // A single pair above the budget goes alone, at once.
        try (Harness h = Harness.of(new BatchPolicy(32, length - 1, NEVER, 256))) {
            h.send(new NliPair("alone", pair.premise(), pair.hypothesis()));
            assertThat(h.ids(1)).containsExactly("alone");
        }
    }

    @Test
    void aShortQueueWaitsForTheOldestPairsMaxDelayThenGoesAsOneBatch() throws InterruptedException {
        Duration maxDelay = Duration.ofMillis(400);
        try (Harness h = Harness.of(new BatchPolicy(32, 1_000_000, maxDelay, 256))) {
            long t0 = System.nanoTime();
            h.send(Pairs.pair("d-0", 0));
            Thread.sleep(100);
            h.send(Pairs.pair("d-1", 1));
            List<String> ids = h.ids(2);
            long waitedMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ids).containsExactly("d-0", "d-1");
            assertThat(waitedMs).as("no earlier than d-0's max delay").isGreaterThanOrEqualTo(maxDelay.toMillis());
            assertThat(h.batches("delay")).isEqualTo(1);
            assertThat(h.registry.find("nli.batch.size").summary().max()).isEqualTo(2);
        }
    }

    @Test
    void lengthSortedSubBatchesKeepInputOrderAndMatchUnbatchedInference() throws IOException {
        List<NliPair> pairs = Pairs.pairs("mix", 12);
        // overhead 0: every distinct length gets its own sub-batch, the most reordering there can be
        try (Harness h = Harness.of(new BatchPolicy(12, 1_000_000, NEVER, 0))) {
            for (NliPair p : pairs) {
                h.in.pipeInput(p.id().getBytes(), Pairs.json(p));
            }
            List<TestRecord<byte[], byte[]>> out = TestDrivers.await(h.driver, h.out, 12);
            assertThat(out).hasSize(12);
            try (ActiveModel.Lease lease = MODEL.models().lease()) {
                NliModel model = lease.model();
                for (int i = 0; i < 12; i++) {
                    JsonNode event = read(out.get(i).value());
                    assertThat(SchemaValidator.get().validate(ContractSchema.NLI_CLASSIFICATION, event))
                            .isEmpty();
                    assertThat(event.get("id").asText()).isEqualTo(pairs.get(i).id());
                    assertThat(new String(out.get(i).key()))
                            .isEqualTo(pairs.get(i).id());
                    EncodedPair alone =
                            model.encode(pairs.get(i).premise(), pairs.get(i).hypothesis());
                    double[] expected = model.predict(List.of(alone))[0];
                    for (int l = 0; l < 3; l++) {
                        assertThat(event.get("probabilities")
                                        .get(Labels.CONTRACT.get(l))
                                        .asDouble())
                                .isCloseTo(expected[l], within(1e-5));
                    }
                    assertThat(event.get("inputTokens").asInt()).isEqualTo(alone.length());
                }
            }
        }
    }

    private static JsonNode read(byte[] json) {
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
