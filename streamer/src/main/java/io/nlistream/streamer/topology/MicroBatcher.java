package io.nlistream.streamer.topology;

import io.nlistream.schemas.Json;
import io.nlistream.schemas.event.DeadLetter;
import io.nlistream.schemas.event.NliPair;
import io.nlistream.streamer.bundle.ActiveModel;
import io.nlistream.streamer.inference.NliModel;
import io.nlistream.streamer.ops.StreamerMetrics;
import io.nlistream.tokenizer.EncodedPair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Keeps the pairs of one stream task (= one input partition) from arrival until their classification is forwarded,
 * and hands them to the instance-wide {@link InferenceScheduler}, which batches them with the other tasks' pairs on
 * its own workers. This processor never runs inference: it tokenizes (so tokenization overlaps the workers'
 * inference), submits, and forwards completed results on the stream thread, strictly in arrival order (completions
 * that come early, from another worker's batch, are held).
 *
 * <p>Exactly once: each pair is written to a changelogged store under an increasing sequence number when it arrives
 * and deleted when its classification is forwarded; under exactly_once_v2 both happen in the transaction that
 * commits the input offsets, so whatever is queued or running in the scheduler at a commit (or a crash) is in the
 * store with that commit's offsets. {@link #init} resubmits the restored store. No drain before commit is needed.
 *
 * <p>Completions are forwarded at each {@link #process} call and by a wall-clock punctuation every {@link
 * #FORWARD_INTERVAL}; when the scheduler is full, {@link #process} waits, forwarding this task's completions while it
 * waits (backpressure on the stream thread, bounded memory).
 *
 * <p>Commit when drained ({@link EarlyCommits}): when forwarding leaves this task with nothing in flight and its
 * input is current, it asks Kafka Streams for a commit (at most one per stream thread per {@code minSpacing}), so at
 * low load a batch is visible to read_committed consumers right after it is forwarded instead of at the next {@code
 * commit.interval.ms}. The commit is Kafka Streams' own (store flush, offsets and output in one transaction); only
 * its timing changes.
 *
 * <p>Arrival times come from the wall clock, not Kafka Streams' cached per-poll clock (stale after a long poll).
 */
final class MicroBatcher implements Processor<byte[], Intake, byte[], Outgoing> {
    private static final Logger LOG = Logger.getLogger(MicroBatcher.class);
    /** Short: a completed batch should not wait for the next record to be forwarded; one check is a peek. */
    static final Duration FORWARD_INTERVAL = Duration.ofMillis(2);

    private static final Duration SPACE_WAIT = Duration.ofMillis(5);

    private final String storeName;
    private final ActiveModel models;
    private final StreamerMetrics metrics;
    private final InferenceScheduler scheduler;
    private final String deadLetterTopic;
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    private final EarlyCommits earlyCommits;
    private final EarlyCommits.Pacer pacer;
    /** Results were forwarded that no commit requested since has covered (early commits only). */
    private boolean uncommitted;

    private long lastForwardNanos;
    /** The last record processed was younger than one commit interval when processed. */
    private boolean inputCurrent;

    private long commitIntervalMs;
    private ProcessorContext<byte[], Outgoing> context;
    private KeyValueStore<Long, BufferedPair> store;
    private InferenceScheduler.Task task;
    private long nextSeq;
    private int deadLetterLimit;

    /** A pair of this task in the scheduler, in sequence order. */
    private record InFlight(BufferedPair buffered, InferenceScheduler.Job job) {}

    MicroBatcher(
            String storeName,
            ActiveModel models,
            StreamerMetrics metrics,
            InferenceScheduler scheduler,
            String deadLetterTopic,
            EarlyCommits earlyCommits,
            EarlyCommits.Pacer pacer) {
        this.storeName = storeName;
        this.earlyCommits = earlyCommits;
        this.pacer = pacer;
        this.models = models;
        this.metrics = metrics;
        this.scheduler = scheduler;
        this.deadLetterTopic = deadLetterTopic;
    }

    @Override
    public void init(ProcessorContext<byte[], Outgoing> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
        this.deadLetterLimit = RecordSizeLimits.of(context.appConfigs(), deadLetterTopic);
        this.task = scheduler.register();
        try (KeyValueIterator<Long, BufferedPair> it = store.all()) {
            while (it.hasNext()) {
                BufferedPair b = it.next().value;
                // forced: forwarding is not allowed in init, and the previous run bounded how many there are
                InFlight f = submit(b, readPair(b.value()));
                task.offer(f.job(), true);
                inFlight.addLast(f);
                nextSeq = b.seq() + 1;
            }
        }
        if (!inFlight.isEmpty()) {
            LOG.infof("task %s: %d buffered pairs restored from the changelog", context.taskId(), inFlight.size());
        }
        this.commitIntervalMs = commitIntervalMs(context.appConfigs());
        context.schedule(FORWARD_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> forwardCompleted());
    }

    @Override
    public void process(Record<byte[], Intake> record) {
        // early commits only while the input is current (EarlyCommits): a task further behind than one commit
        // interval gains nothing from committing early
        inputCurrent = System.currentTimeMillis() - record.timestamp() <= commitIntervalMs;
        forwardCompleted();
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
                System.currentTimeMillis());
        InFlight f = submit(b, accepted.pair());
        store.put(b.seq(), b);
        while (!task.offer(f.job(), false)) {
            forwardCompleted();
            scheduler.awaitSpace(SPACE_WAIT);
        }
        inFlight.addLast(f);
    }

    @Override
    public void close() {
        // Revoked or shut down: queued pairs leave the scheduler, late completions are ignored; all stay in the
        // changelog for whichever instance takes the task next.
        task.close();
        inFlight.clear();
    }

    /** Forwards the completed head of this task's pairs, in sequence order, deleting each from the store. */
    private void forwardCompleted() {
        boolean forwarded = false;
        for (InFlight f = inFlight.peekFirst(); f != null && f.job().outcome() != null; f = inFlight.peekFirst()) {
            inFlight.pollFirst();
            forward(f.buffered(), f.job().outcome());
            forwarded = true;
        }
        if (earlyCommits.enabled()) {
            maybeRequestCommit(forwarded);
        }
    }

    /**
     * Commit when drained: asks for a commit once this task has forwarded results and has nothing left in flight,
     * unless a request of its stream thread since its last forward already covers them (a requested commit runs after
     * the current processing iteration and commits every task of the thread), the task's input is not current, or the
     * thread's spacing holds it back (then the next call, at the latest the forwarding punctuation, asks again).
     */
    private void maybeRequestCommit(boolean forwarded) {
        long now = System.nanoTime();
        if (forwarded) {
            uncommitted = true;
            lastForwardNanos = now;
        }
        if (!uncommitted) {
            return;
        }
        long lastRequest = pacer.lastRequestNanos();
        if (lastRequest != Long.MIN_VALUE && lastRequest - lastForwardNanos >= 0) {
            uncommitted = false; // another task of this thread asked after our last forward
        } else if (inFlight.isEmpty() && inputCurrent && pacer.tryRequest(now)) {
            context.commit();
            uncommitted = false;
        }
    }

    private void forward(BufferedPair b, InferenceScheduler.Outcome outcome) {
        RecordHeaders original = new RecordHeaders();
        b.headers().forEach(h -> original.add(h.key(), h.value()));
        if (outcome.failure() == null) {
            Outgoing out = new Outgoing(b.partition(), outcome.classification(), false);
            context.forward(new Record<>(b.key(), out, b.timestamp(), original));
        } else {
            // A dead letter carries the pair's bytes and headers plus the dead-letter ones: sized like the intake's
            // dead letters, or one large pair whose batch failed would abort every transaction of its task.
            RuntimeException failure = outcome.failure();
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
            Outgoing letter = new Outgoing(b.partition(), fitted.value(), true);
            context.forward(new Record<>(b.key(), letter, b.timestamp(), fitted.headers()));
            metrics.deadLettered(DeadLetter.Reason.INFERENCE_FAILED);
        }
        store.delete(b.seq());
    }

    /** Tokenized on the stream thread with the model served now (a worker re-encodes if a reload intervenes). */
    private InFlight submit(BufferedPair b, NliPair pair) {
        try (ActiveModel.Lease lease = models.lease()) {
            NliModel model = lease.model();
            EncodedPair encoded = model.encode(pair.premise(), pair.hypothesis());
            return new InFlight(b, task.job(pair, encoded, model, b.arrivedAtMs()));
        }
    }

    /** Kafka Streams' commit interval as configured (under exactly_once_v2 its default is 100 ms). */
    private static long commitIntervalMs(Map<String, Object> configs) {
        Object value = configs.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG);
        if (value instanceof Number n) {
            return n.longValue();
        }
        return value == null ? 100 : Long.parseLong(value.toString().trim());
    }

    private static NliPair readPair(byte[] json) {
        try {
            return Json.mapper().readValue(json, NliPair.class);
        } catch (IOException e) {
            throw new UncheckedIOException("a buffered pair no longer parses", e);
        }
    }
}
