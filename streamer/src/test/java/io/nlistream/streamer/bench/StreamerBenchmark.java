package io.nlistream.streamer.bench;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nlistream.kafkatest.KafkaBroker;
import io.nlistream.kafkatest.KafkaBrokers;
import io.nlistream.schemas.event.NliPair;
import io.nlistream.streamer.bundle.ActiveModel;
import io.nlistream.streamer.bundle.BundleLoader;
import io.nlistream.streamer.inference.BatchRunner;
import io.nlistream.streamer.inference.ExecutionProvider;
import io.nlistream.streamer.inference.NliModel;
import io.nlistream.streamer.inference.OrtSessions;
import io.nlistream.streamer.inference.SessionSettings;
import io.nlistream.streamer.inference.SubBatches;
import io.nlistream.streamer.ops.StreamerMetrics;
import io.nlistream.streamer.support.KafkaIO;
import io.nlistream.streamer.support.Pairs;
import io.nlistream.streamer.topology.BatchPolicy;
import io.nlistream.streamer.topology.EarlyCommits;
import io.nlistream.streamer.topology.InferenceScheduler;
import io.nlistream.streamer.topology.NliTopology;
import io.nlistream.streamer.topology.TopicNames;
import io.nlistream.tokenizer.EncodedPair;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Benchmark harness (not a test; prints figures) for the targets of docs/streamer.md (Benchmark). On the given bundle
 * and N XNLI-fr dev pairs (read from the shared data directory at run time; cycled with fresh ids past the 2,490 of
 * the dev split), against a real Kafka broker, exactly_once_v2, counted in read_committed, topics of
 * {@code -Dbench.partitions} (6) partitions:
 * <ol>
 *   <li>raw: tokenization + ONNX Runtime on the batches the micro-batcher would form (same size/token policy,
 *       same length-sorted sub-batches), no Kafka — the ceiling;</li>
 *   <li>a backlog drained end to end, with 1 and 2 inference workers (scaling; one stream thread,
 *       {@code -Dbench.stream.threads}), mean batch ÷ max batch;</li>
 *   <li>the same through a simulated accelerator ({@link SimulatedAccelerator}, {@code -Dbench.service.ms}, 10):
 *       throughput ÷ (max batch ÷ service time) and the device's busy ratio;</li>
 *   <li>per record (max batch 1), for the micro-batching gain;</li>
 *   <li>end-to-end latency p50/p99 at half the measured maximum, against max delay + 2 × one batch's inference.</li>
 * </ol>
 * Usage: {@code StreamerBenchmark BUNDLE_DIR [pairs=256] [perRecordPairs=48] [latencySeconds=40]}.
 */
public final class StreamerBenchmark {
    /** As the service on CPU (nli.batch.sub-batch-overhead-tokens); -Dbench.sub-batch-overhead to explore. */
    private static final int SUB_BATCH_OVERHEAD =
            Integer.getInteger("bench.sub-batch-overhead", OrtSessions.CPU_SUB_BATCH_OVERHEAD_TOKENS);

    private static final BatchPolicy MICRO = new BatchPolicy(32, 8192, Duration.ofMillis(10), SUB_BATCH_OVERHEAD);
    private static final BatchPolicy PER_RECORD = new BatchPolicy(1, 8192, Duration.ofMillis(10), 256);
    /** On a device a call costs the same whatever its rows: never split a batch into sub-batches. */
    private static final BatchPolicy DEVICE = new BatchPolicy(32, 8192, Duration.ofMillis(10), Integer.MAX_VALUE);

    private static final int PARTITIONS = Integer.getInteger("bench.partitions", 6);
    private static final int SERVICE_MS = Integer.getInteger("bench.service.ms", 10);
    private static final int COMMIT_INTERVAL_MS = Integer.getInteger("bench.commit.interval.ms", 100);
    /**
     * A paced run's first seconds are sent but not counted (-Dbench.latency.warm-up-seconds): the instance's first
     * transactions and fetches, and the JIT's work on the paced path of this very instance, are start-up, not the
     * steady state the target is about.
     */
    private static final double WARM_UP_SECONDS =
            Double.parseDouble(System.getProperty("bench.latency.warm-up-seconds", "10"));
    /**
     * The Kafka side's warm-up repeats until the JIT's compilation time falls under this share of a round's wall time
     * (-Dbench.warm-up.jit-share), at most -Dbench.warm-up.rounds rounds.
     */
    private static final double WARM_UP_JIT_SHARE =
            Double.parseDouble(System.getProperty("bench.warm-up.jit-share", "0.1"));

    private static final int WARM_UP_ROUNDS = Integer.getInteger("bench.warm-up.rounds", 8);
    /** Commit when drained, as application.properties: -Dbench.commit.when-drained / -Dbench.commit.min-spacing.ms. */
    private static final EarlyCommits EARLY_COMMITS = new EarlyCommits(
            Boolean.parseBoolean(System.getProperty("bench.commit.when-drained", "true")),
            Duration.ofMillis(Long.getLong("bench.commit.min-spacing.ms", 20)));

    private StreamerBenchmark() {}

    public static void main(String[] args) throws Exception {
        quietKafkaLogs();
        Path bundle = Path.of(args[0]);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int perRecordN = args.length > 2 ? Integer.parseInt(args[2]) : 48;
        int latencySeconds = args.length > 3 ? Integer.parseInt(args[3]) : 40;
        List<NliPair> pairs = xnliDev(n);

        // each run gets the service's default threads for its worker count and the model's size (OrtSessions.threads):
        // 1 worker × every core (also the raw phase's session), 2 workers × cores ÷ 2, one thread for a small model;
        // and the variant the service would serve on CPU (precision auto; -Dbench.precision to force one)
        String precision = System.getProperty("bench.precision", "auto");
        ActiveModel models =
                new ActiveModel(new BundleLoader(new SessionSettings(ExecutionProvider.CPU, 0, 0, precision, 1)));
        NliModel model = models.load(bundle);
        int cores = Runtime.getRuntime().availableProcessors();
        ActiveModel twoWorkers =
                new ActiveModel(new BundleLoader(new SessionSettings(ExecutionProvider.CPU, 0, 0, precision, 2)));
        twoWorkers.load(bundle);
        System.out.printf(
                Locale.ROOT,
                "bundle %s %s (%s, %s), %d XNLI-fr dev pairs, %d partitions, %d cores, sub-batch overhead %d tokens%n",
                model.ref().name(),
                model.ref().version(),
                model.provider(),
                model.precision(),
                n,
                PARTITIONS,
                cores,
                SUB_BATCH_OVERHEAD);

        // warm-up: the raw phase runs first, while the JIT is still compiling; two runs in one session read 2,390 and
        // 3,155 pairs/s on the demo bundle with a single 32-pair warm-up
        long warmUntil = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        do {
            raw(model, pairs.subList(0, Math.min(256, n)), MICRO, false);
        } while (System.nanoTime() < warmUntil);
        double rawMicro = raw(model, pairs, MICRO, true);
        double rawSingle = raw(model, pairs.subList(0, perRecordN), PER_RECORD, true);
        report("raw ORT, micro-batched", rawMicro);
        report("raw ORT, per record", rawSingle);

        try (KafkaBroker broker = KafkaBrokers.start()) {
            String bootstrap = broker.bootstrapServers();
            String latencyOnly = System.getProperty("bench.latency.only");
            if (latencyOnly != null) {
                // exploring: the Kafka warm-up over PAIRS pairs, then paced runs at the given rate with 2 workers,
                // early commits off and on in turn (same JVM and broker, so load drift and the JIT hit both alike)
                warmUp(bootstrap, models, twoWorkers, pairs.subList(0, Math.min(n, 10_000)), rawMicro);
                int rounds = Integer.getInteger("bench.latency.rounds", 2);
                // -Dbench.latency.device-ms=MS: a device of that service time instead of the model (0: what Kafka,
                // the batcher and the exactly-once commits cost without inference)
                String deviceMs = System.getProperty("bench.latency.device-ms");
                BatchRunner runner =
                        deviceMs == null ? BatchRunner.DIRECT : new SimulatedAccelerator(Integer.parseInt(deviceMs));
                for (int round = 0; round < 2 * rounds; round++) {
                    EarlyCommits early = round % 2 == 0 ? EarlyCommits.OFF : EARLY_COMMITS;
                    Latency l = paced(
                            bootstrap,
                            twoWorkers,
                            runner,
                            pairs,
                            Double.parseDouble(latencyOnly),
                            latencySeconds,
                            2,
                            early,
                            "paced" + round);
                    System.out.printf(
                            Locale.ROOT,
                            "latency only at %.1f pairs/s (2 workers, %s), early commits %s: p50 %.0f ms, p99 %.0f ms"
                                    + " committed; p50 %.0f ms, p99 %.0f ms produced; %s%n",
                            l.rate(),
                            deviceMs == null ? "the model" : "a device of " + deviceMs + " ms a call",
                            early.enabled() ? "on" : "off",
                            l.p50(),
                            l.p99(),
                            l.producedP50(),
                            l.producedP99(),
                            l.cpu());
                    System.out.println("batch sizes: " + l.batchSizes());
                }
                System.exit(0);
            }
            Run warm = warmUp(bootstrap, models, twoWorkers, xnliDev(10_000), rawMicro);
            Run micro = drain(bootstrap, models, pairs, MICRO, BatchRunner.DIRECT, 1, "micro-t1");
            report("Kafka EOS end to end, 1 worker", micro.pairsPerSecond);
            Run micro2 = drain(bootstrap, twoWorkers, pairs, MICRO, BatchRunner.DIRECT, 2, "micro-t2");
            report("Kafka EOS end to end, 2 workers", micro2.pairsPerSecond);
            SimulatedAccelerator device = new SimulatedAccelerator(SERVICE_MS);
            List<NliPair> devicePairs = pairs.subList(0, Math.min(n, 20_000));
            Run sim = drain(bootstrap, models, devicePairs, DEVICE, device, 1, "device-t1");
            double simBusy = device.busyNanos() / 1e9 / sim.seconds;
            SimulatedAccelerator device2 = new SimulatedAccelerator(SERVICE_MS);
            Run sim2 = drain(bootstrap, models, devicePairs, DEVICE, device2, 2, "device-t2");
            double sim2Busy = device2.busyNanos() / 1e9 / sim2.seconds;
            Run single =
                    drain(bootstrap, models, pairs.subList(0, perRecordN), PER_RECORD, BatchRunner.DIRECT, 1, "single");
            report("Kafka EOS end to end, per record", single.pairsPerSecond);
            Run best = micro2.pairsPerSecond > micro.pairsPerSecond ? micro2 : micro;
            ActiveModel bestModels = best.workers == 2 ? twoWorkers : models;
            double halfLoad = best.pairsPerSecond / 2;
            Latency latency = paced(bootstrap, bestModels, pairs, halfLoad, latencySeconds, best.workers);
            double deviceCeiling = DEVICE.maxSize() / device.serviceSeconds();

            System.out.println();
            System.out.println("== targets (docs/streamer.md, Benchmark) ==");
            System.out.printf(
                    Locale.ROOT,
                    "1. backlog end to end: %.0f pairs/s (1 worker), %.0f (2 workers);"
                            + " mean batch %.1f of %d = %.2f × max (target ≥ 5,000 pairs/s, ≥ 0.8 × max);"
                            + " JIT compilation time during the drains %.2f / %.2f of the wall time%n",
                    micro.pairsPerSecond,
                    micro2.pairsPerSecond,
                    micro.meanBatch,
                    MICRO.maxSize(),
                    micro.meanBatch / MICRO.maxSize(),
                    micro.jitShare,
                    micro2.jitShare);
            System.out.printf(
                    Locale.ROOT,
                    "2. simulated accelerator (%d ms/call, max batch %d, ceiling %.0f pairs/s):"
                            + " %.0f pairs/s = %.2f × ceiling, device busy %.2f, mean batch %.1f, mean call %.1f ms"
                            + " (1 worker); %.0f pairs/s = %.2f × ceiling, busy %.2f, mean batch %.1f, mean call"
                            + " %.1f ms (2 workers) (target ≥ 0.8; a call longer than the service time means the"
                            + " real model inside it is CPU-bound on this machine)%n",
                    SERVICE_MS,
                    DEVICE.maxSize(),
                    deviceCeiling,
                    sim.pairsPerSecond,
                    sim.pairsPerSecond / deviceCeiling,
                    simBusy,
                    sim.meanBatch,
                    device.busyNanos() / 1e6 / device.calls(),
                    sim2.pairsPerSecond,
                    sim2.pairsPerSecond / deviceCeiling,
                    sim2Busy,
                    sim2.meanBatch,
                    device2.busyNanos() / 1e6 / device2.calls());
            System.out.printf(
                    Locale.ROOT,
                    "3. end to end ÷ raw ORT (micro-batched): %.3f (1 worker), %.3f (2 workers) (target ≥ 0.9);"
                            + " inference %.1f / %.1f ms a batch of mean %.1f / %.1f, workers busy %.2f / %.2f of the"
                            + " wall time (raw: %.1f ms a batch of %d)%n",
                    micro.pairsPerSecond / rawMicro,
                    micro2.pairsPerSecond / rawMicro,
                    micro.meanInferenceMs,
                    micro2.meanInferenceMs,
                    micro.meanBatch,
                    micro2.meanBatch,
                    micro.busy(),
                    micro2.busy(),
                    1000.0 * MICRO.maxSize() / rawMicro,
                    MICRO.maxSize());
            double bound = MICRO.maxDelay().toMillis() + 2 * best.meanInferenceMs;
            System.out.printf(
                    Locale.ROOT,
                    "4. latency at %.1f pairs/s (half max, %d worker(s)): p50 %.0f ms, p99 %.0f ms committed"
                            + " (read_committed); p50 %.0f ms, p99 %.0f ms produced, before the commit"
                            + " (read_uncommitted); over %d pairs after a %.0f s warm-up, EOS commits every %d ms%s"
                            + " (target p99 ≤ max delay + 2 × batch inference = %.0f ms); %s%n",
                    latency.rate(),
                    best.workers,
                    latency.p50(),
                    latency.p99(),
                    latency.producedP50(),
                    latency.producedP99(),
                    latency.count(),
                    WARM_UP_SECONDS,
                    COMMIT_INTERVAL_MS,
                    EARLY_COMMITS.enabled()
                            ? " and when drained (at most every "
                                    + EARLY_COMMITS.minSpacing().toMillis() + " ms)"
                            : "",
                    bound,
                    latency.cpu());
            System.out.printf(
                    Locale.ROOT,
                    "5. scaling, 2 ÷ 1 inference workers: %.2f (end to end), %.2f (simulated" + " accelerator)%n",
                    micro2.pairsPerSecond / micro.pairsPerSecond,
                    sim2.pairsPerSecond / sim.pairsPerSecond);
            System.out.printf(
                    Locale.ROOT,
                    "micro-batched ÷ per-record (end to end):       %.2f%n",
                    micro.pairsPerSecond / single.pairsPerSecond);
            System.out.printf(
                    Locale.ROOT, "micro-batched ÷ per-record (raw ORT):          %.2f%n", rawMicro / rawSingle);
            System.out.println("batch sizes, warm-up drain: " + warm.batchSizes);
            System.out.println("batch sizes, backlog drain (1 worker): " + micro.batchSizes);
            System.out.println("batch sizes, backlog drain (2 workers): " + micro2.batchSizes);
            System.out.println("batch sizes, simulated accelerator (1 worker): " + sim.batchSizes);
            System.out.println("batch sizes, simulated accelerator (2 workers): " + sim2.batchSizes);
            System.out.println("batch sizes, half-load run: " + latency.batchSizes());
        }
        models.close();
        twoWorkers.close();
        System.exit(0);
    }

    /** Tokenize + ORT over the batches the batcher would cut from a backlog under {@code policy}. */
    private static double raw(NliModel model, List<NliPair> pairs, BatchPolicy policy, boolean print) {
        long t0 = System.nanoTime();
        long encoding = 0;
        List<EncodedPair> batch = new ArrayList<>();
        int longest = 0;
        for (NliPair p : pairs) {
            long e0 = System.nanoTime();
            EncodedPair e = model.encode(p.premise(), p.hypothesis());
            encoding += System.nanoTime() - e0;
            if (!batch.isEmpty() && (long) (batch.size() + 1) * Math.max(longest, e.length()) > policy.maxTokens()) {
                infer(model, batch, policy);
                batch.clear();
                longest = 0;
            }
            batch.add(e);
            longest = Math.max(longest, e.length());
            if (batch.size() >= policy.maxSize() || (long) batch.size() * longest >= policy.maxTokens()) {
                infer(model, batch, policy);
                batch.clear();
                longest = 0;
            }
        }
        if (!batch.isEmpty()) {
            infer(model, batch, policy);
        }
        long total = System.nanoTime() - t0;
        if (print) {
            System.out.printf(
                    Locale.ROOT,
                    "  raw, max batch %d: %.1f µs/pair = tokenization %.1f + padding, ORT and outputs %.1f%n",
                    policy.maxSize(),
                    total / 1e3 / pairs.size(),
                    encoding / 1e3 / pairs.size(),
                    (total - encoding) / 1e3 / pairs.size());
        }
        return pairs.size() / (total / 1e9);
    }

    private static void infer(NliModel model, List<EncodedPair> batch, BatchPolicy policy) {
        int[] lengths = batch.stream().mapToInt(EncodedPair::length).toArray();
        for (int[] sub : SubBatches.plan(lengths, policy.subBatchOverheadTokens())) {
            model.predict(Arrays.stream(sub).mapToObj(batch::get).toList());
        }
    }

    private record Run(
            double pairsPerSecond,
            double seconds,
            int workers,
            double meanBatch,
            double meanInferenceMs,
            double jitShare,
            String batchSizes) {
        /** Inference time ÷ (wall time × workers): how much of the run the workers spent in the model. */
        double busy() {
            return pairsPerSecond / meanBatch * meanInferenceMs / 1000 / workers;
        }
    }

    /**
     * Latency percentiles of a paced run, in ms: {@code p50}/{@code p99} as a read_committed consumer sees the pairs
     * (what downstream gets under EOS), {@code producedP50}/{@code producedP99} as soon as the streamer has written
     * them, before their transaction commits (read_uncommitted): the difference is the EOS commit's share.
     */
    private record Latency(
            double rate,
            int count,
            double p50,
            double p99,
            double producedP50,
            double producedP99,
            String batchSizes,
            String cpu) {}

    /**
     * Warm-up of the Kafka side, as the raw phase has one for ORT, not counted. Broker, clients, Kafka Streams and the
     * streamer in one JVM are a lot of code for C2: after a single 10,000-pair drain its threads still took 0.4-0.8
     * of the 2 cores during the measured drains (4 Dec 2026), which a service running for hours never pays. So each
     * round drains the pairs through a device of no service time (every path but the model's; the stream thread is
     * the bottleneck there, the case early commits must not slow) and through the model with 2 workers, until a
     * round's compilation falls under {@link #WARM_UP_JIT_SHARE}. The model's drain takes ~3 s at the raw rate (64
     * pairs at least), so a large model's warm-up stays short. Returns the last device-of-no-service-time drain.
     */
    private static Run warmUp(
            String bootstrap, ActiveModel oneWorker, ActiveModel twoWorkers, List<NliPair> pairs, double rawRate)
            throws Exception {
        List<NliPair> modelPairs = pairs.subList(0, (int) Math.min(pairs.size(), Math.max(64, 3 * rawRate)));
        Run warm = null;
        for (int round = 1; round <= WARM_UP_ROUNDS; round++) {
            long t0 = System.nanoTime();
            long jit0 = jitMillis();
            warm = drain(bootstrap, oneWorker, pairs, MICRO, new SimulatedAccelerator(0), 1, "warm-up" + round);
            Run model = drain(bootstrap, twoWorkers, modelPairs, MICRO, BatchRunner.DIRECT, 2, "warm-model" + round);
            double jit = (jitMillis() - jit0) / 1e3 / ((System.nanoTime() - t0) / 1e9);
            System.out.printf(
                    Locale.ROOT,
                    "warm-up round %d: device of no service time %.1f pairs/s, model with 2 workers %.1f pairs/s;"
                            + " JIT compilation time %.2f of the wall time%n",
                    round,
                    warm.pairsPerSecond,
                    model.pairsPerSecond,
                    jit);
            if (jit < WARM_UP_JIT_SHARE) {
                break;
            }
        }
        return warm;
    }

    /** The JIT's accumulated compilation time (all compiler threads), in ms; 0 where the JVM does not report it. */
    private static long jitMillis() {
        var jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /**
     * A backlog of pairs published at once, drained by a fresh EOS topology: pairs/s from first send to last commit.
     */
    private static Run drain(
            String bootstrap,
            ActiveModel models,
            List<NliPair> pairs,
            BatchPolicy policy,
            BatchRunner runner,
            int workers,
            String name)
            throws Exception {
        TopicNames topics = topics(bootstrap, name);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Streams streams = streams(bootstrap, topics, policy, models, runner, registry, name, workers);
        try (KafkaConsumer<byte[], byte[]> consumer = assignedConsumer(bootstrap, topics.classifications(), true);
                KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
            List<ProducerRecord<byte[], byte[]>> records = pairs.stream()
                    .map(p -> new ProducerRecord<>(
                            topics.pairs(), p.id().getBytes(StandardCharsets.UTF_8), Pairs.json(p)))
                    .toList();
            long t0 = System.nanoTime();
            long jit0 = jitMillis();
            records.forEach(producer::send);
            producer.flush();
            int got = 0;
            while (got < pairs.size()) {
                got += consumer.poll(Duration.ofMillis(50)).count();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double jitShare = (jitMillis() - jit0) / 1e3 / seconds;
            DistributionSummary sizes = registry.find("nli.batch.size").summary();
            double inferenceMs = registry.find("nli.inference").timer().mean(TimeUnit.MILLISECONDS);
            double commits = threadMetric(streams.streams(), "commit-total");
            return new Run(
                    pairs.size() / seconds,
                    seconds,
                    workers,
                    sizes.mean(),
                    inferenceMs,
                    jitShare,
                    batchSizes(registry) + String.format(Locale.ROOT, "; %.1f commits/s", commits / seconds));
        } finally {
            streams.close(Duration.ofSeconds(10));
        }
    }

    /**
     * Pairs sent at a fixed rate; latency = arrival − the input record's timestamp (copied onto the output), seen by
     * a read_committed and a read_uncommitted consumer at once.
     */
    private static Latency paced(
            String bootstrap, ActiveModel models, List<NliPair> pairs, double rate, int seconds, int workers)
            throws Exception {
        return paced(bootstrap, models, BatchRunner.DIRECT, pairs, rate, seconds, workers, EARLY_COMMITS, "paced");
    }

    private static Latency paced(
            String bootstrap,
            ActiveModel models,
            BatchRunner runner,
            List<NliPair> pairs,
            double rate,
            int seconds,
            int workers,
            EarlyCommits early,
            String name)
            throws Exception {
        double toSend = rate * (WARM_UP_SECONDS + seconds);
        if (toSend > 1_000_000) {
            // before any instance starts (one left running keeps the JVM alive); a cap that cut the run short would
            // count fewer seconds than asked, silently
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT, "%.0f pairs to send: lower the rate or the seconds (at most 1,000,000)", toSend));
        }
        TopicNames topics = topics(bootstrap, name);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Streams streams = streams(bootstrap, topics, MICRO, models, runner, registry, name, workers, early);
        // the paced path (producer pacing, small fetches, early commits) has code of its own for the JIT, and each
        // instance its own objects: the warm-up runs on the instance measured, then `seconds` are counted
        int warmUp = (int) (rate * WARM_UP_SECONDS);
        int count = (int) Math.max(warmUp + 10, toSend);
        long intervalNanos = (long) (1e9 / rate);
        List<Double> committed = new ArrayList<>();
        List<Double> produced = new ArrayList<>();
        String cpuUse;
        try (KafkaConsumer<byte[], byte[]> committedReader =
                        assignedConsumer(bootstrap, topics.classifications(), true);
                KafkaConsumer<byte[], byte[]> producedReader =
                        assignedConsumer(bootstrap, topics.classifications(), false);
                KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
            Thread sender = new Thread(() -> {
                long next = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    NliPair p = pairs.get(i % pairs.size());
                    NliPair unique = new NliPair("paced-" + i, p.premise(), p.hypothesis());
                    producer.send(new ProducerRecord<>(
                            topics.pairs(),
                            null,
                            System.currentTimeMillis(),
                            unique.id().getBytes(StandardCharsets.UTF_8),
                            Pairs.json(unique)));
                    next += intervalNanos;
                    long sleep = next - System.nanoTime();
                    if (sleep > 0) {
                        try {
                            Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
                producer.flush();
            });
            String dump = System.getProperty("bench.latency.dump");
            List<String> samples = dump == null ? null : new ArrayList<>();
            long warmUpEnd = System.nanoTime() + (long) (WARM_UP_SECONDS * 1e9);
            sender.start();
            // the CPU and the commits are counted from the warm-up's end, as the latencies are
            CpuMeter cpu = null;
            double commits0 = 0;
            int seenCommitted = 0;
            int seenProduced = 0;
            while (seenCommitted < count) {
                if (cpu == null && System.nanoTime() >= warmUpEnd) {
                    cpu = new CpuMeter();
                    commits0 = threadMetric(streams.streams(), "commit-total");
                }
                seenCommitted += collect(committedReader, warmUp, committed, "committed", samples);
                if (seenProduced < count) {
                    seenProduced += collect(producedReader, warmUp, produced, "produced", samples);
                }
            }
            sender.join();
            if (cpu == null) {
                throw new IllegalStateException("the paced run ended within its warm-up: raise its seconds");
            }
            cpuUse = cpu.report()
                    + String.format(
                            Locale.ROOT,
                            "; stream thread commits %.1f/s, %.1f ms mean each (Kafka Streams: %.1f ms a task × %d tasks)",
                            (threadMetric(streams.streams(), "commit-total") - commits0) / cpu.seconds(),
                            threadMetric(streams.streams(), "commit-latency-avg") * PARTITIONS,
                            threadMetric(streams.streams(), "commit-latency-avg"),
                            PARTITIONS);
            if (dump != null) {
                // one line per pair and reader: reader, send time (epoch ms), latency (ms), partition, offset
                Files.write(Path.of(dump), samples);
            }
        } finally {
            streams.close(Duration.ofSeconds(10));
        }
        double[] c =
                committed.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double[] u = produced.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Latency(
                rate,
                c.length,
                percentile(c, 0.50),
                percentile(c, 0.99),
                percentile(u, 0.50),
                percentile(u, 0.99),
                batchSizes(registry),
                cpuUse);
    }

    /**
     * CPU used by this JVM (broker, streamer and the benchmark's clients together) and by its stream and inference
     * threads over a run, in cores, with the machine's load average at the end (other work on the machine).
     */
    private static final class CpuMeter {
        private final long wall0 = System.nanoTime();
        private final long process0 = processCpuNanos();
        private final long jit0 = jitMillis();
        private final Map<String, Long> threads0 = threadCpuNanos();

        /** Wall time since this meter started. */
        double seconds() {
            return (System.nanoTime() - wall0) / 1e9;
        }

        String report() {
            double wall = System.nanoTime() - wall0;
            Map<String, Long> threads1 = threadCpuNanos();
            double stream = 0;
            double inference = 0;
            double threads = 0;
            Map<String, Double> groups = new java.util.TreeMap<>();
            for (Map.Entry<String, Long> e : threads1.entrySet()) {
                double used = e.getValue() - threads0.getOrDefault(e.getKey(), 0L);
                threads += used;
                if (e.getKey().contains("paced")
                        && e.getKey().endsWith("StreamThread-1")) { // this run's (others closed)
                    stream += used;
                } else if (e.getKey().startsWith("nli-inference")) {
                    inference += used;
                }
                // thread pools by name without ids/numbers: broker handlers, network threads, client I/O threads
                String group = e.getKey()
                        .replaceAll("bench-paced[a-z0-9-]*-[0-9a-f]{8}-[0-9a-f-]+-", "paced-")
                        .replaceAll("producer-\\d+", "producer-N")
                        .replaceAll("-\\d+$", "")
                        .replaceAll("\\d+", "N");
                groups.merge(group, used, Double::sum);
            }
            StringBuilder top = new StringBuilder();
            groups.entrySet().stream()
                    .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                    .limit(10)
                    .forEach(g -> top.append(String.format(Locale.ROOT, "; %s %.2f", g.getKey(), g.getValue() / wall)));
            String load;
            try {
                load = Files.readString(Path.of("/proc/loadavg")).trim();
            } catch (IOException e) {
                load = "?";
            }
            double process = (processCpuNanos() - process0) / wall;
            return String.format(
                    Locale.ROOT,
                    "CPU during the run: JVM %.2f of %d cores (stream thread %.2f, inference workers %.2f, JIT + GC + VM"
                            + " %.2f; JIT compilation time %.2f, elapsed, an upper bound on its CPU), loadavg %s;"
                            + " by thread group%s",
                    process,
                    Runtime.getRuntime().availableProcessors(),
                    stream / wall,
                    inference / wall,
                    process - threads / wall,
                    (jitMillis() - jit0) * 1e6 / wall,
                    load,
                    top);
        }

        private static long processCpuNanos() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }

        /** Per live thread (by name, summed) its CPU time so far. */
        private static Map<String, Long> threadCpuNanos() {
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            Map<String, Long> out = new java.util.HashMap<>();
            for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
                if (info != null) {
                    long t = mx.getThreadCpuTime(info.getThreadId());
                    if (t > 0) {
                        out.merge(info.getThreadName(), t, Long::sum);
                    }
                }
            }
            return out;
        }
    }

    /** A stream-thread metric of Kafka Streams (the one stream thread's; NaN when absent). */
    private static double threadMetric(KafkaStreams streams, String name) {
        return streams.metrics().values().stream()
                .filter(m -> m.metricName().group().equals("stream-thread-metrics")
                        && m.metricName().name().equals(name))
                .mapToDouble(m -> ((Number) m.metricValue()).doubleValue())
                .findFirst()
                .orElse(Double.NaN);
    }

    /**
     * One short poll: adds the latency of each pair sent after the warm-up (and its line to samples, if given); returns
     * how many records came.
     */
    private static int collect(
            KafkaConsumer<byte[], byte[]> consumer,
            int warmUp,
            List<Double> latencies,
            String reader,
            List<String> samples) {
        int n = 0;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(2))) {
            long now = System.currentTimeMillis();
            String id = new String(r.key(), StandardCharsets.UTF_8);
            if (Integer.parseInt(id.substring("paced-".length())) >= warmUp) {
                latencies.add((double) (now - r.timestamp()));
                if (samples != null) {
                    samples.add(reader + " " + r.timestamp() + " " + (now - r.timestamp()) + " " + r.partition() + " "
                            + r.offset());
                }
            }
            n++;
        }
        return n;
    }

    private static double percentile(double[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private static String batchSizes(SimpleMeterRegistry registry) {
        DistributionSummary s = registry.find("nli.batch.size").summary();
        StringBuilder out = new StringBuilder();
        double previous = 0;
        for (CountAtBucket b : s.takeSnapshot().histogramCounts()) {
            out.append(String.format(Locale.ROOT, "≤%.0f: %.0f  ", b.bucket(), b.count() - previous));
            previous = b.count();
        }
        return out.append(String.format(Locale.ROOT, "(batches %d, mean %.1f, max %.0f)", s.count(), s.mean(), s.max()))
                .toString();
    }

    private static TopicNames topics(String bootstrap, String name) throws Exception {
        TopicNames t = new TopicNames(
                "bench." + name + ".pairs", "bench." + name + ".classifications", "bench." + name + ".dlq");
        return KafkaIO.createTopics(bootstrap, t, PARTITIONS);
    }

    /** A running topology and the scheduler its tasks share; closing stops both. */
    private record Streams(KafkaStreams streams, InferenceScheduler scheduler) implements AutoCloseable {
        void close(Duration timeout) {
            streams.close(timeout);
            scheduler.close();
        }

        @Override
        public void close() {
            close(Duration.ofSeconds(10));
        }
    }

    /**
     * The production settings of application.properties, one stream thread, {@code workers} inference workers,
     * started and waited for RUNNING.
     */
    private static Streams streams(
            String bootstrap,
            TopicNames topics,
            BatchPolicy policy,
            ActiveModel models,
            BatchRunner runner,
            SimpleMeterRegistry registry,
            String name,
            int workers)
            throws Exception {
        return streams(bootstrap, topics, policy, models, runner, registry, name, workers, EARLY_COMMITS);
    }

    private static Streams streams(
            String bootstrap,
            TopicNames topics,
            BatchPolicy policy,
            ActiveModel models,
            BatchRunner runner,
            SimpleMeterRegistry registry,
            String name,
            int workers,
            EarlyCommits early)
            throws Exception {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-" + name);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // application.properties' values; -Dbench.commit.interval.ms / -Dbench.poll.ms to explore
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.getInteger("bench.stream.threads", 1));
        p.put(StreamsConfig.POLL_MS_CONFIG, Integer.getInteger("bench.poll.ms", 5));
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), 10);
        // to explore any other Kafka Streams setting: -Dbench.streams.NAME=VALUE (e.g. producer.retry.backoff.ms)
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("bench.streams."))
                .forEach(k -> p.put(k.substring("bench.streams.".length()), System.getProperty(k)));
        p.put(
                StreamsConfig.STATE_DIR_CONFIG,
                Files.createTempDirectory("nli-bench-state").toString());
        StreamerMetrics metrics = new StreamerMetrics(registry);
        InferenceScheduler scheduler = new InferenceScheduler(
                policy, models, metrics, runner, workers, InferenceScheduler.defaultMaxOutstanding(policy, workers));
        KafkaStreams streams = new KafkaStreams(NliTopology.build(topics, models, metrics, scheduler, early), p);
        streams.start();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            Thread.sleep(50);
        }
        return new Streams(streams, scheduler);
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * A consumer (read_committed, or read_uncommitted) of every partition of {@code topic} from the start, assigned
     * rather than subscribed:
     * a group join would hold the first records back and count as the streamer's latency.
     */
    private static KafkaConsumer<byte[], byte[]> assignedConsumer(String bootstrap, String topic, boolean committed) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, committed ? "read_committed" : "read_uncommitted");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
        KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = c.partitionsFor(topic).stream()
                .map(i -> new TopicPartition(topic, i.partition()))
                .toList();
        c.assign(partitions);
        c.seekToBeginning(partitions);
        partitions.forEach(c::position); // resolves the start now, not on the first poll
        return c;
    }

    static List<NliPair> xnliDev(int n) throws IOException {
        Path tsv = Path.of(System.getProperty("nli.shared.dir", "../shared"), "data/xnli-fr/xnli.dev.fr.tsv");
        if (!Files.isRegularFile(tsv)) {
            throw new IllegalStateException(tsv + " is missing: the benchmark reads XNLI-fr dev from the shared data"
                    + " directory (-Dnli.shared.dir=...)");
        }
        List<String> lines = Files.readAllLines(tsv);
        List<NliPair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String[] f = lines.get(1 + i % Math.min(2490, lines.size() - 1)).split("\t");
            out.add(new NliPair("xnli-dev-" + f[0] + "-" + i, f[4], f[5]));
        }
        return out;
    }

    /**
     * Outside Quarkus nothing sets the Kafka loggers' levels, so the clients format TRACE/DEBUG records (a profile
     * showed ConsumerRecord/ProducerRecord.toString on the stream thread) that the handler then drops, and the
     * in-process broker logs every partition it creates: WARN, as application.properties has it for the service.
     */
    private static void quietKafkaLogs() {
        for (String name : List.of("org.apache.kafka", "kafka", "state.change.logger", "io.smallrye")) {
            org.jboss.logmanager.Logger.getLogger(name).setLevel(java.util.logging.Level.WARNING);
        }
    }

    private static void report(String what, double pairsPerSecond) {
        System.out.printf(Locale.ROOT, "%-40s %8.1f pairs/s%n", what, pairsPerSecond);
    }
}
