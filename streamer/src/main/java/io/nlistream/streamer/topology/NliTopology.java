package io.nlistream.streamer.topology;

import io.nlistream.streamer.bundle.ActiveModel;
import io.nlistream.streamer.ops.StreamerMetrics;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * nli.pairs → parse + validate → (invalid → nli.pairs.dlq) → micro-batch + classify → nli.classifications.
 *
 * <p>Values are read as bytes and validated by hand, so no record can make a deserializer throw: a poison pill is
 * dead-lettered like any other invalid record and the partition moves on.
 */
public final class NliTopology {
    public static final String BUFFER_STORE = "nli-batch-buffer";

    private NliTopology() {}

    /** {@link #build(TopicNames, ActiveModel, StreamerMetrics, InferenceScheduler, EarlyCommits)} with the defaults. */
    public static Topology build(
            TopicNames topics, ActiveModel models, StreamerMetrics metrics, InferenceScheduler scheduler) {
        return build(topics, models, metrics, scheduler, EarlyCommits.DEFAULT);
    }

    /**
     * The topology; its batchers hand pairs to {@code scheduler}, which the instance's tasks share (one per
     * instance, so batches form across partitions), and ask for early commits as {@code earlyCommits} says.
     */
    public static Topology build(
            TopicNames topics,
            ActiveModel models,
            StreamerMetrics metrics,
            InferenceScheduler scheduler,
            EarlyCommits earlyCommits) {
        EarlyCommits.Pacer pacer = earlyCommits.pacer();
        Serde<byte[]> bytes = Serdes.ByteArray();
        StreamsBuilder builder = new StreamsBuilder();

        // The pairs between arrival and forwarded classification: in memory (bounded by the scheduler's admission
        // limit) and changelogged, so it is restored after a crash. Cached: a pair put and deleted within one commit
        // interval
        // (the common case under load) reaches the changelog as one tombstone instead of a value and a tombstone;
        // the cache is flushed before each commit, so what is buffered at a commit is in the changelog with it.
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(BUFFER_STORE), Serdes.Long(), BufferedPair.SERDE)
                .withCachingEnabled());

        KStream<byte[], byte[]> raw =
                builder.stream(topics.pairs(), Consumed.with(bytes, bytes).withName("pairs"));

        Map<String, KStream<byte[], Intake>> intake = raw.processValues(
                        () -> new PairIntake(metrics, topics), Named.as("parse-and-validate"))
                .split(Named.as("intake-"))
                .branch((key, value) -> value instanceof Intake.Accepted, Branched.as("accepted"))
                .defaultBranch(Branched.as("refused"));

        intake.get("intake-refused")
                .mapValues(value -> ((Intake.Refused) value).original(), Named.as("original-bytes"))
                .to(topics.deadLetters(), Produced.with(bytes, bytes).withName("dead-letters"));

        Map<String, KStream<byte[], Outgoing>> classified = intake.get("intake-accepted")
                .process(
                        () -> new MicroBatcher(
                                BUFFER_STORE, models, metrics, scheduler, topics.deadLetters(), earlyCommits, pacer),
                        Named.as("micro-batch-classify"),
                        BUFFER_STORE)
                .split(Named.as("classified-"))
                .branch((key, value) -> value.deadLetter(), Branched.as("failed"))
                .defaultBranch(Branched.as("ok"));

        classified
                .get("classified-ok")
                .to(
                        topics.classifications(),
                        Produced.with(bytes, Outgoing.SERDE)
                                .withStreamPartitioner(Outgoing.SAME_PARTITION)
                                .withName("classifications"));
        classified
                .get("classified-failed")
                .to(topics.deadLetters(), Produced.with(bytes, Outgoing.SERDE).withName("inference-dead-letters"));

        return builder.build();
    }
}
