package io.nlistream.streamer.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nlistream.schemas.bundle.BundleManifest;
import io.nlistream.schemas.bundle.BundleVerifier;
import io.nlistream.schemas.event.NliPair;
import io.nlistream.streamer.inference.OrtSessions;
import io.nlistream.streamer.inference.SubBatches;
import io.nlistream.tokenizer.EncodedPair;
import io.nlistream.tokenizer.PaddedBatch;
import io.nlistream.tokenizer.PairTokenizer;
import io.nlistream.tokenizer.Truncation;
import java.lang.management.ManagementFactory;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Profiling harness (not a test; prints figures) for the raw path of {@link StreamerBenchmark}: where a batch's time
 * goes between tokenization, padding, building the input tensors, {@code session.run} and reading the outputs, for
 * each ONNX variant and ONNX Runtime session setting given, plus ORT's own per-node profile. One thread, no Kafka.
 *
 * <p>Usage: {@code RawPathProfile BUNDLE_DIR [pairs=4096] [secondsPerConfig=3]}; {@code -Dprofile.configs} is a
 * comma-separated list of {@code variant:intraOpThreads:spin|nospin:all|extended|basic|none} (default: the matrix
 * below); {@code -Dprofile.nodes=variant:threads,...} the sessions whose per-node profile is printed.
 */
public final class RawPathProfile {
    private static final int MAX_BATCH = 32;
    /** The service's CPU default (nli.batch.sub-batch-overhead-tokens); -Dprofile.sub-batch-overhead to explore. */
    private static final int SUB_BATCH_OVERHEAD_TOKENS =
            Integer.getInteger("profile.sub-batch-overhead", OrtSessions.CPU_SUB_BATCH_OVERHEAD_TOKENS);

    private static final String DEFAULT_CONFIGS = "fp32:1:nospin:all,fp32:2:nospin:all,fp32:2:spin:all,"
            + "int8:1:nospin:all,int8:2:nospin:all,fp16:1:nospin:all,"
            + "fp32:1:nospin:extended,fp32:1:nospin:basic,fp32:1:nospin:none";

    private RawPathProfile() {}

    public static void main(String[] args) throws Exception {
        Path bundle = Path.of(args[0]);
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 3;
        BundleManifest manifest = BundleVerifier.verify(bundle);
        List<NliPair> pairs = StreamerBenchmark.xnliDev(n);
        try (PairTokenizer tokenizer = PairTokenizer.load(
                bundle.resolve(manifest.tokenizer().file()),
                manifest.maxLength(),
                Truncation.fromId(manifest.truncation()),
                manifest.padId())) {
            List<EncodedPair> encoded = tokenization(tokenizer, pairs);
            List<List<EncodedPair>> subBatches = subBatches(encoded);
            long padded = subBatches.stream()
                    .mapToLong(b -> tokenizer.pad(b).paddedTokens())
                    .sum();
            System.out.printf(
                    Locale.ROOT,
                    "%d pairs, mean %.1f tokens, batches of %d -> %d ORT calls (%.2f a batch, sub-batch overhead %d"
                            + " tokens), padded ÷ real tokens %.2f%n",
                    n,
                    encoded.stream().mapToInt(EncodedPair::length).average().orElse(0),
                    MAX_BATCH,
                    subBatches.size(),
                    subBatches.size() / Math.ceil(n / (double) MAX_BATCH),
                    SUB_BATCH_OVERHEAD_TOKENS,
                    padded
                            / (double) encoded.stream()
                                    .mapToInt(EncodedPair::length)
                                    .sum());
            for (String config :
                    System.getProperty("profile.configs", DEFAULT_CONFIGS).split(",")) {
                if (!config.isBlank()) {
                    timeConfig(bundle, manifest, tokenizer, subBatches, n, Config.parse(config), seconds);
                }
            }
            for (String nodes :
                    System.getProperty("profile.nodes", "fp32:1,int8:1").split(",")) {
                if (!nodes.isBlank()) {
                    String[] f = nodes.split(":");
                    nodeProfile(
                            bundle, manifest, tokenizer, subBatches, Config.parse(f[0] + ":" + f[1] + ":nospin:all"));
                }
            }
        }
    }

    private record Config(String variant, int threads, boolean spin, SessionOptions.OptLevel level) {
        static Config parse(String s) {
            String[] f = s.trim().split(":");
            SessionOptions.OptLevel level = switch (f[3]) {
                case "all" -> SessionOptions.OptLevel.ALL_OPT;
                case "extended" -> SessionOptions.OptLevel.EXTENDED_OPT;
                case "basic" -> SessionOptions.OptLevel.BASIC_OPT;
                case "none" -> SessionOptions.OptLevel.NO_OPT;
                default -> throw new IllegalArgumentException("optimization level " + f[3]);
            };
            return new Config(f[0], Integer.parseInt(f[1]), f[2].equals("spin"), level);
        }

        @Override
        public String toString() {
            return variant + ", " + threads + " thread(s), " + (spin ? "spin" : "no spin") + ", " + level;
        }
    }

    /** Per pair (DJL's JNI encode, one call a pair) against one native call for 32 pairs. */
    private static List<EncodedPair> tokenization(PairTokenizer tokenizer, List<NliPair> pairs) {
        List<EncodedPair> encoded = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            encoded.clear();
            long c0 = processCpuNanos();
            long t0 = System.nanoTime();
            for (NliPair p : pairs) {
                encoded.add(tokenizer.encode(p.premise(), p.hypothesis()));
            }
            long perPair = System.nanoTime() - t0;
            long perPairCpu = processCpuNanos() - c0;
            long c1 = processCpuNanos();
            long t1 = System.nanoTime();
            for (int i = 0; i < pairs.size(); i += MAX_BATCH) {
                List<NliPair> chunk = pairs.subList(i, Math.min(pairs.size(), i + MAX_BATCH));
                tokenizer.encodeAll(
                        chunk.stream().map(NliPair::premise).toList(),
                        chunk.stream().map(NliPair::hypothesis).toList());
            }
            long batched = System.nanoTime() - t1;
            long batchedCpu = processCpuNanos() - c1;
            System.out.printf(
                    Locale.ROOT,
                    "tokenization round %d: encode per pair %.1f µs/pair (CPU %.1f), encodeAll of %d %.1f µs/pair"
                            + " (CPU %.1f, every thread of the process)%n",
                    round,
                    perPair / 1e3 / pairs.size(),
                    perPairCpu / 1e3 / pairs.size(),
                    MAX_BATCH,
                    batched / 1e3 / pairs.size(),
                    batchedCpu / 1e3 / pairs.size());
        }
        return encoded;
    }

    /** The process's CPU time, native threads included (the Rust tokenizer's own pool for encodeAll). */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The micro-batcher's cut of a backlog: batches of 32 in arrival order, each split as SubBatches plans it. */
    private static List<List<EncodedPair>> subBatches(List<EncodedPair> encoded) {
        List<List<EncodedPair>> out = new ArrayList<>();
        for (int i = 0; i < encoded.size(); i += MAX_BATCH) {
            List<EncodedPair> batch = encoded.subList(i, Math.min(encoded.size(), i + MAX_BATCH));
            int[] lengths = batch.stream().mapToInt(EncodedPair::length).toArray();
            for (int[] sub : SubBatches.plan(lengths, SUB_BATCH_OVERHEAD_TOKENS)) {
                out.add(Arrays.stream(sub).mapToObj(batch::get).toList());
            }
        }
        return out;
    }

    private static OrtSession open(Path bundle, BundleManifest manifest, Config c, String profileTo)
            throws OrtException {
        SessionOptions options = new SessionOptions();
        options.setOptimizationLevel(c.level());
        options.setIntraOpNumThreads(c.threads());
        options.setInterOpNumThreads(1);
        options.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
        options.addConfigEntry("session.intra_op.allow_spinning", c.spin() ? "1" : "0");
        options.addConfigEntry("session.inter_op.allow_spinning", "0");
        if (profileTo != null) {
            options.enableProfiling(profileTo);
        }
        String file = manifest.variant(c.variant()).orElseThrow().file();
        return OrtEnvironment.getEnvironment()
                .createSession(bundle.resolve(file).toString(), options);
    }

    /** Stage times of the service's path (NliModel.predict's steps) over every sub-batch, repeated for seconds. */
    private static void timeConfig(
            Path bundle,
            BundleManifest manifest,
            PairTokenizer tokenizer,
            List<List<EncodedPair>> subBatches,
            int pairsPerPass,
            Config c,
            double seconds)
            throws OrtException {
        try (OrtSession session = open(bundle, manifest, c, null)) {
            long[] stages = new long[4];
            runFor(session, tokenizer, subBatches, 1.0, new long[4]);
            long t0 = System.nanoTime();
            int passes = runFor(session, tokenizer, subBatches, seconds, stages);
            long total = System.nanoTime() - t0;
            double batches = passes * Math.ceil(pairsPerPass / (double) MAX_BATCH);
            System.out.printf(
                    Locale.ROOT,
                    "%-45s %7.0f pairs/s; per 32-pair batch %6.0f µs = pad %4.0f + tensors %4.0f + run %6.0f"
                            + " + outputs %4.0f%n",
                    c,
                    passes * (double) pairsPerPass / (total / 1e9),
                    total / 1e3 / batches,
                    stages[0] / 1e3 / batches,
                    stages[1] / 1e3 / batches,
                    stages[2] / 1e3 / batches,
                    stages[3] / 1e3 / batches);
        } catch (OrtException e) {
            System.out.println(c + ": cannot run: " + e.getMessage());
        }
    }

    private static int runFor(
            OrtSession session, PairTokenizer tokenizer, List<List<EncodedPair>> subBatches, double seconds, long[] t)
            throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long until = System.nanoTime() + (long) (seconds * 1e9);
        int passes = 0;
        do {
            for (List<EncodedPair> sub : subBatches) {
                long a = System.nanoTime();
                PaddedBatch batch = tokenizer.pad(sub);
                long b = System.nanoTime();
                try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.inputIds()), batch.shape());
                        OnnxTensor mask =
                                OnnxTensor.createTensor(env, LongBuffer.wrap(batch.attentionMask()), batch.shape())) {
                    long c = System.nanoTime();
                    try (OrtSession.Result result =
                            session.run(Map.of("input_ids", ids, "attention_mask", mask), Set.of("logits"))) {
                        long d = System.nanoTime();
                        float[][] logits = (float[][]) result.get(0).getValue();
                        double sink = 0;
                        for (float[] row : logits) {
                            sink += row[0];
                        }
                        if (sink == Double.MIN_VALUE) {
                            System.out.print("");
                        }
                        long e = System.nanoTime();
                        t[0] += b - a;
                        t[1] += c - b;
                        t[2] += d - c;
                        t[3] += e - d;
                    }
                }
            }
            passes++;
        } while (System.nanoTime() < until);
        return passes;
    }

    /** ORT's profiler: nodes a run, and kernel time by op type, over 1 s of passes through the first 64 sub-batches. */
    private static void nodeProfile(
            Path bundle, BundleManifest manifest, PairTokenizer tokenizer, List<List<EncodedPair>> subBatches, Config c)
            throws Exception {
        Path dir = Files.createTempDirectory("ort-profile");
        String file;
        List<List<EncodedPair>> sample = subBatches.subList(0, Math.min(64, subBatches.size()));
        try (OrtSession session = open(bundle, manifest, c, dir.resolve("p").toString())) {
            runFor(session, tokenizer, sample, 1.0, new long[4]);
            file = session.endProfiling();
        }
        // a plain mapper: the project's Json.mapper() caps documents at 2 MiB (inputs from the wire), a profile is
        // larger
        JsonNode events = new ObjectMapper().readTree(Path.of(file).toFile());
        Map<String, long[]> byOp = new TreeMap<>();
        Map<String, long[]> byNode = new TreeMap<>();
        Map<String, String> shapes = new TreeMap<>();
        long runs = 0;
        long runMicros = 0;
        long nodeEvents = 0;
        for (JsonNode e : events) {
            String cat = e.path("cat").asText();
            String name = e.path("name").asText();
            if (cat.equals("Session") && name.equals("model_run")) {
                runs++;
                runMicros += e.path("dur").asLong();
            } else if (cat.equals("Node") && name.endsWith("_kernel_time")) {
                nodeEvents++;
                long[] a = byOp.computeIfAbsent(e.path("args").path("op_name").asText(), k -> new long[2]);
                a[0]++;
                a[1] += e.path("dur").asLong();
                String node = e.path("args").path("op_name").asText() + " " + name.replace("_kernel_time", "");
                long[] b = byNode.computeIfAbsent(node, k -> new long[2]);
                b[0]++;
                b[1] += e.path("dur").asLong();
                shapes.putIfAbsent(
                        node, e.path("args").path("output_type_shape").toString());
            }
        }
        long kernelMicros = byOp.values().stream().mapToLong(a -> a[1]).sum();
        double perRun = runs;
        System.out.printf(
                Locale.ROOT,
                "ORT profile %s: %d runs, %.1f nodes a run, model_run %.0f µs a run, kernels %.0f µs a run (%.0f %%)%n",
                c,
                runs,
                nodeEvents / (double) runs,
                runMicros / (double) runs,
                kernelMicros / (double) runs,
                100.0 * kernelMicros / runMicros);
        byOp.entrySet().stream()
                .sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]))
                .forEach(en -> System.out.printf(
                        Locale.ROOT,
                        "  %-28s %5.1f a run  %7.1f µs a run%n",
                        en.getKey(),
                        en.getValue()[0] / perRun,
                        en.getValue()[1] / perRun));
        int top = Integer.getInteger("profile.top", 0);
        byNode.entrySet().stream()
                .sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]))
                .limit(top)
                .forEach(en -> System.out.printf(
                        Locale.ROOT,
                        "  node %-50s %7.1f µs a run, first output %s%n",
                        en.getKey(),
                        en.getValue()[1] / perRun,
                        shapes.get(en.getKey())));
        Files.deleteIfExists(Path.of(file));
    }
}
