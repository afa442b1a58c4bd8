package io.nlistream.streamer.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.nlistream.schemas.event.DeadLetter;
import io.nlistream.streamer.inference.NliModel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * The streamer's Micrometer meters (Prometheus names in brackets): events in [nli_events_in_total], classifications
 * out by label [nli_events_out_total{label}], dead letters by reason [nli_dead_letters_total{reason}], batches by
 * flush trigger [nli_batches_total{trigger}], batch size [nli_batch_size], padded tokens per batch
 * [nli_batch_tokens], queue time [nli_queue_seconds], inference time per batch [nli_inference_seconds], the model
 * served [nli_model_info{name,version,sha256,provider,precision} = 1], bundle reloads
 * [nli_bundle_reloads_total{outcome}], batch fill = size ÷ max size [nli_batch_fill], pairs queued in this
 * instance's inference scheduler [nli_queue_depth], the session's busy time, at least one batch running
 * [nli_inference_busy_seconds_total] (its rate is the busy fraction), the busy fraction since the previous scrape
 * [nli_inference_busy_ratio]. Kafka Streams' own thread ratios
 * (process, commit, punctuate, poll) come from Quarkus' Kafka Streams binder [kafka_stream_thread_*_ratio].
 */
public final class StreamerMetrics {
    private final MeterRegistry registry;
    private static final List<String> RELOAD_OUTCOMES = List.of("ok", "refused");
    // 1 ms to 10 s: fine enough for p99 near the batching delay, wide enough for a backlog's queueing.
    private static final Duration[] LATENCY_BUCKETS = Stream.of(
                    1, 2, 5, 10, 20, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
            .map(Duration::ofMillis)
            .toArray(Duration[]::new);

    private final Counter in;
    private final Map<String, Counter> out = new ConcurrentHashMap<>();
    private final Map<DeadLetter.Reason, Counter> dead = new ConcurrentHashMap<>();
    private final Map<String, Counter> batches = new ConcurrentHashMap<>();
    private final DistributionSummary batchSize;
    private final DistributionSummary batchTokens;
    private final Timer queue;
    private final Timer inference;
    private final AtomicReference<Tags> modelTags = new AtomicReference<>();
    private final DistributionSummary batchFill;
    private final AtomicInteger queueDepth = new AtomicInteger();
    private final AtomicLong busyNanos = new AtomicLong();
    private final BusyRatio busyRatio = new BusyRatio();

    public StreamerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.in = Counter.builder("nli.events.in")
                .description("nli.pairs records read")
                .register(registry);
        this.batchSize = DistributionSummary.builder("nli.batch.size")
                .description("pairs per micro-batch")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 24, 32, 48, 64)
                .publishPercentileHistogram(false)
                .register(registry);
        this.batchTokens = DistributionSummary.builder("nli.batch.tokens")
                .description("padded tokens per micro-batch (sum over its length-sorted sub-batches)")
                .serviceLevelObjectives(128, 256, 512, 1024, 2048, 4096, 8192, 16384)
                .register(registry);
        this.queue = Timer.builder("nli.queue")
                .description("time from arrival in the batcher to the start of inference")
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        this.inference = Timer.builder("nli.inference")
                .description("tokenization + ONNX Runtime time per micro-batch")
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        this.batchFill = DistributionSummary.builder("nli.batch.fill")
                .description("pairs per micro-batch ÷ nli.batch.max-size (1 = full)")
                .serviceLevelObjectives(0.125, 0.25, 0.5, 0.75, 0.9, 1.0)
                .register(registry);
        Gauge.builder("nli.queue.depth", queueDepth, AtomicInteger::get)
                .description("pairs queued in this instance's inference scheduler, waiting for a batch")
                .register(registry);
        FunctionCounter.builder("nli.inference.busy", busyNanos, n -> n.get() / 1e9)
                .baseUnit("seconds")
                .description("wall time at least one batch was running (rate = busy fraction)")
                .register(registry);
        Gauge.builder("nli.inference.busy.ratio", this, m -> m.busyRatio.sample(m.busyNanos.get(), System.nanoTime()))
                .description("fraction of wall time a session ran batches, since the previous scrape")
                .register(registry);
        // Counters exist at 0 from the start: Prometheus cannot see the first increment of a series it never saw.
        for (DeadLetter.Reason reason : DeadLetter.Reason.values()) {
            deadLetters(reason);
        }
        for (String outcome : RELOAD_OUTCOMES) {
            reloads(outcome);
        }
    }

    /** Busy fraction between two reads; reads closer than a second apart share a value so scrapers do not jitter. */
    private static final class BusyRatio {
        private long lastBusy;
        private long lastAt = System.nanoTime();
        private double value;

        synchronized double sample(long busy, long now) {
            if (now - lastAt >= 1_000_000_000L) {
                value = Math.min(1.0, (busy - lastBusy) / (double) (now - lastAt));
                lastBusy = busy;
                lastAt = now;
            }
            return value;
        }
    }

    /**
     * Wall time during which at least one batch was running (the scheduler reports each busy period as it ends), so
     * two batches overlapping on one device count once and the ratio stays a fraction of wall time.
     */
    public void busy(long nanos) {
        busyNanos.addAndGet(nanos);
    }

    /** Pairs entered the inference scheduler's queue. */
    public void enqueued(int pairs) {
        queueDepth.addAndGet(pairs);
    }

    /** Pairs left the scheduler's queue (taken into a batch, or their task closed). */
    public void dequeued(int pairs) {
        queueDepth.addAndGet(-pairs);
    }

    public int queueDepth() {
        return queueDepth.get();
    }

    public long busyNanos() {
        return busyNanos.get();
    }

    public void received() {
        in.increment();
    }

    public void deadLettered(DeadLetter.Reason reason) {
        deadLetters(reason).increment();
    }

    private Counter deadLetters(DeadLetter.Reason reason) {
        return dead.computeIfAbsent(
                reason,
                r -> Counter.builder("nli.dead.letters")
                        .tag("reason", r.code())
                        .description("records sent to the dead-letter topic")
                        .register(registry));
    }

    public void classified(String label, double queueMs) {
        out.computeIfAbsent(
                        label,
                        l -> Counter.builder("nli.events.out")
                                .tag("label", l)
                                .description("classifications written")
                                .register(registry))
                .increment();
        queue.record((long) (queueMs * 1_000_000), TimeUnit.NANOSECONDS);
    }

    public void batch(String trigger, int size, int maxSize, long paddedTokens, long inferenceNanos) {
        batchFill.record(size / (double) maxSize);
        batches.computeIfAbsent(
                        trigger,
                        t -> Counter.builder("nli.batches")
                                .tag("trigger", t)
                                .description("micro-batches by what flushed them: size, tokens or delay")
                                .register(registry))
                .increment();
        batchSize.record(size);
        batchTokens.record(paddedTokens);
        inference.record(inferenceNanos, TimeUnit.NANOSECONDS);
    }

    /** Publishes the model now served (called at start and on every swap). */
    public void serving(NliModel model) {
        Tags tags = Tags.of(
                "name",
                model.ref().name(),
                "version",
                model.ref().version(),
                "sha256",
                model.ref().sha256(),
                "provider",
                model.provider(),
                "precision",
                model.precision());
        Tags old = modelTags.getAndSet(tags);
        if (old != null) {
            registry.find("nli.model.info").tags(old).gauges().forEach(registry::remove);
        }
        Gauge.builder("nli.model.info", () -> 1)
                .tags(tags)
                .description(
                        "the bundle being served (value always 1; name, version, sha256, provider, precision in tags)")
                .register(registry);
    }

    /** A stream thread died of an uncaught exception and was answered with {@code response} (StreamThreadRecovery). */
    public void streamThreadFailed(String response) {
        Counter.builder("nli.stream.thread.failures")
                .tag("response", response)
                .description("stream threads that died of an uncaught exception, by the response: replace or shutdown")
                .register(registry)
                .increment();
    }

    public void reload(String outcome) {
        reloads(outcome).increment();
    }

    private Counter reloads(String outcome) {
        return Counter.builder("nli.bundle.reloads")
                .tag("outcome", outcome)
                .description("bundle reloads: ok or refused")
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }
}
