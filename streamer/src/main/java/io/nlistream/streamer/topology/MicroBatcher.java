package io.nlistream.streamer.topology;

import io.nlistream.schemas.Json;
import io.nlistream.schemas.event.DeadLetter;
import io.nlistream.schemas.event.NliClassification;
import io.nlistream.schemas.event.NliPair;
import io.nlistream.streamer.bundle.ActiveModel;
import io.nlistream.streamer.inference.BatchRunner;
import io.nlistream.streamer.inference.Classifications;
import io.nlistream.streamer.inference.NliModel;
import io.nlistream.streamer.inference.SubBatches;
import io.nlistream.streamer.ops.StreamerMetrics;
import io.nlistream.tokenizer.EncodedPair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Buffers valid pairs of one stream task (= one input partition) and classifies them in micro-batches
 * ({@link BatchPolicy}). Each pair is written to a changelogged store under an increasing sequence number when it
 * arrives and deleted when its classification is forwarded; under exactly_once_v2 both happen in the transaction
 * that commits the input offsets, so after a crash the restored store holds exactly the pairs whose offsets were
 * committed but whose classifications were not. The in-memory list mirrors the store (plus token encodings) and is
 * rebuilt from it in {@link #init}.
 *
 * <p>Arrival times come from the wall clock, not Kafka Streams' cached per-poll clock: after a long flush the cached
 * clock is stale, so pairs would look as old as the flush and the delay punctuation would cut them into tiny batches.
 *
 * <p>Inference runs in length-sorted sub-batches ({@link SubBatches}), but results are forwarded in sequence order,
 * so the output keeps the input's per-partition order.
 */
final class MicroBatcher implements Processor<byte[], Intake, byte[], Outgoing> {
    private static final Logger LOG = Logger.getLogger(MicroBatcher.class);

    private final String storeName;
    private final BatchPolicy policy;
    private final ActiveModel models;
    private final StreamerMetrics metrics;
    private final BatchRunner runner;
    private final LongSupplier wallClock;
    private final String deadLetterTopic;
    private final List<Pending> pending = new ArrayList<>();
    private ProcessorContext<byte[], Outgoing> context;
    private KeyValueStore<Long, BufferedPair> store;
    private long nextSeq;
    private int deadLetterLimit;
    private int longest;

    /** A buffered pair with its parsed form and the encoding made by {@code encodedBy}. */
    private record Pending(BufferedPair buffered, NliPair pair, EncodedPair encoded, NliModel encodedBy) {}

    MicroBatcher(
            String storeName,
            BatchPolicy policy,
            ActiveModel models,
            StreamerMetrics metrics,
            BatchRunner runner,
            LongSupplier wallClock,
            String deadLetterTopic) {
        this.storeName = storeName;
        this.deadLetterTopic = deadLetterTopic;
        this.runner = runner;
        this.wallClock = wallClock;
        this.policy = policy;
        this.models = models;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<byte[], Outgoing> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
        this.deadLetterLimit = RecordSizeLimits.of(context.appConfigs(), deadLetterTopic);
        try (KeyValueIterator<Long, BufferedPair> it = store.all()) {
            while (it.hasNext()) {
                BufferedPair b = it.next().value;
                add(pending(b, readPair(b.value())));
                nextSeq = b.seq() + 1;
            }
        }
        if (!pending.isEmpty()) {
            LOG.infof("task %s: %d buffered pairs restored from the changelog", context.taskId(), pending.size());
        }
        context.schedule(policy.punctuationInterval(), PunctuationType.WALL_CLOCK_TIME, this::onTick);
    }

    @Override
    public void process(Record<byte[], Intake> record) {
        Intake.Accepted accepted = (Intake.Accepted) record.value();
        RecordMetadata source = context.recordMetadata().orElseThrow();
        List<BufferedPair.Header> headers = new ArrayList<>();
        record.headers().forEach(h -> headers.add(new BufferedPair.Header(h.key(), h.value())));
        BufferedPair b = new BufferedPair(
                nextSeq++,
                record.key(),
                accepted.json(),
                headers,
                record.timestamp(),
                source.topic(),
                source.partition(),
                source.offset(),
                wallClock.getAsLong());
        Pending p = pending(b, accepted.pair());

        if (!pending.isEmpty()
                && paddedTokens(
                                pending.size() + 1,
                                Math.max(longest, p.encoded().length()))
                        > policy.maxTokens()) {
            flush("tokens");
        }
        store.put(b.seq(), b);
        add(p);
        if (pending.size() >= policy.maxSize()) {
            flush("size");
        } else if (paddedTokens(pending.size(), longest) >= policy.maxTokens()) {
            flush("tokens");
        }
    }

    @Override
    public void close() {
        // The task is revoked or shut down: its buffered pairs stay in the changelog, not in this instance's queue.
        metrics.dequeued(pending.size());
        pending.clear();
    }

    private void onTick(long now) {
        if (!pending.isEmpty()
                && now - pending.get(0).buffered().arrivedAtMs()
                        >= policy.maxDelay().toMillis()) {
            flush("delay");
        }
    }

    private void flush(String trigger) {
        int n = pending.size();
        long inferenceStart = wallClock.getAsLong();
        long t0 = System.nanoTime();
        List<Outgoing> out = new ArrayList<>(n);
        try (ActiveModel.Lease lease = models.lease()) {
            NliModel model = lease.model();
            List<EncodedPair> encoded = new ArrayList<>(n);
            int[] lengths = new int[n];
            for (int i = 0; i < n; i++) {
                Pending p = pending.get(i);
                // A reload between arrival and flush: encode with the tokenizer of the model that will run the batch.
                EncodedPair e = p.encodedBy() == model
                        ? p.encoded()
                        : model.encode(p.pair().premise(), p.pair().hypothesis());
                encoded.add(e);
                lengths[i] = e.length();
            }
            double[][] probabilities = new double[n][];
            long padded = 0;
            for (int[] sub : SubBatches.plan(lengths, policy.subBatchOverheadTokens())) {
                List<EncodedPair> rows = new ArrayList<>(sub.length);
                for (int i : sub) {
                    rows.add(encoded.get(i));
                }
                double[][] result = runner.run(model, rows);
                for (int j = 0; j < sub.length; j++) {
                    probabilities[sub[j]] = result[j];
                }
                padded += (long) sub.length * lengths[sub[sub.length - 1]];
            }
            double inferenceMs = (System.nanoTime() - t0) / 1e6;
            Instant now = Instant.now();
            for (int i = 0; i < n; i++) {
                Pending p = pending.get(i);
                double queueMs = inferenceStart - p.buffered().arrivedAtMs();
                NliClassification c = Classifications.of(
                        p.pair(),
                        probabilities[i],
                        model.ref(),
                        encoded.get(i).truncated(),
                        lengths[i],
                        queueMs,
                        inferenceMs,
                        now);
                out.add(new Outgoing(p.buffered().partition(), Json.mapper().writeValueAsBytes(c), false));
                metrics.classified(c.label(), queueMs);
            }
            metrics.batch(trigger, n, policy.maxSize(), padded, System.nanoTime() - t0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize a classification", e);
        } catch (RuntimeException e) {
            // Nothing is lost and the partition does not stall: the batch goes to the DLQ, replayable once fixed.
            LOG.errorf(e, "inference failed on a batch of %d pairs; dead-lettering them", n);
            out.clear();
            for (Pending p : pending) {
                out.add(new Outgoing(p.buffered().partition(), p.buffered().value(), true));
                metrics.deadLettered(DeadLetter.Reason.INFERENCE_FAILED);
            }
            forward(out, e);
            return;
        }
        forward(out, null);
    }

    private void forward(List<Outgoing> out, RuntimeException failure) {
        for (int i = 0; i < out.size(); i++) {
            BufferedPair b = pending.get(i).buffered();
            RecordHeaders original = new RecordHeaders();
            b.headers().forEach(h -> original.add(h.key(), h.value()));
            if (failure == null) {
                context.forward(new Record<>(b.key(), out.get(i), b.timestamp(), original));
            } else {
                // A dead letter carries the pair's bytes and headers plus the dead-letter ones: sized like the intake's
                // dead letters, or one large pair whose batch failed would abort every transaction of its task.
                RecordHeaders reason = new RecordHeaders();
                DeadLetterHeaders.add(
                        reason,
                        DeadLetter.Reason.INFERENCE_FAILED,
                        String.valueOf(failure.getMessage()),
                        failure.getClass().getName(),
                        b.topic(),
                        b.partition(),
                        b.offset());
                DeadLetterFit.Fitted fitted = DeadLetterFit.fit(
                        b.key(), b.value(), reason.toArray(), original.toArray(), b.timestamp(), deadLetterLimit);
                Outgoing letter = new Outgoing(out.get(i).sourcePartition(), fitted.value(), true);
                context.forward(new Record<>(b.key(), letter, b.timestamp(), fitted.headers()));
            }
            store.delete(b.seq());
        }
        metrics.dequeued(pending.size());
        pending.clear();
        longest = 0;
    }

    private void add(Pending p) {
        pending.add(p);
        metrics.enqueued(1);
        longest = Math.max(longest, p.encoded().length());
    }

    private static long paddedTokens(int rows, int longest) {
        return (long) rows * longest;
    }

    private Pending pending(BufferedPair b, NliPair pair) {
        try (ActiveModel.Lease lease = models.lease()) {
            return new Pending(b, pair, lease.model().encode(pair.premise(), pair.hypothesis()), lease.model());
        }
    }

    private static NliPair readPair(byte[] json) {
        try {
            return Json.mapper().readValue(json, NliPair.class);
        } catch (IOException e) {
            throw new UncheckedIOException("a buffered pair no longer parses", e);
        }
    }
}
