package io.nlistream.streamer.inference;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.nlistream.schemas.bundle.BundleException;
import io.nlistream.schemas.bundle.BundleManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * Opens ONNX Runtime sessions for a bundle: picks the execution provider, then the ONNX variant that suits it, and
 * sets the session's threading explicitly for that provider.
 *
 * <p>Threading: ORT's default intra-op pool has one thread per core and spins between ops, which on a small machine
 * takes the cores the Kafka Streams threads, the tokenizer and the broker need. On CPU the pool therefore never spins
 * ({@code session.intra_op.allow_spinning=0}), and by default two workers run batches on the one session with cores ÷
 * 2 intra-op threads each, so workers × threads = cores. Two narrow batches beat one wide one when other threads share
 * the cores: an op split across every core waits for its slowest part, and any core the broker, the stream thread or
 * the JIT takes for a moment stalls the whole op (camemberta-base shape on 2 cores, docs/streamer.md: 2 × 1 thread
 * 0.80–0.91 × raw ORT end to end in seven runs, 1 × 2 threads 0.65–0.81). A small model's ops are too small to split
 * at all: each of its ~120 nodes a run does microseconds of work, and waking a second thread for it costs more than it
 * saves (demo bundle, one batch at a time: 1 thread 4,573–5,122 pairs/s, 2 threads without spinning 4,058–4,172, 2
 * spinning 2,204–5,016), so below {@link #SMALL_MODEL_BYTES} a session runs its ops on the calling worker's thread
 * alone and the workers give the parallelism. On CUDA the kernels run on the GPU and the
 * CPU pool only schedules them: one thread, and two workers so that one batch is handed over while another runs. Ops
 * run sequentially (one inter-op thread) unless set.
 */
public final class OrtSessions {
    private static final Logger LOG = Logger.getLogger(OrtSessions.class);

    /**
     * {@code precision=auto} serves the int8 variant on CPU when the bundle records an argmax agreement with fp32 of
     * at least this (measured by {@code nli-trainer export} on its sample pairs); otherwise fp32.
     */
    public static final double INT8_MIN_AGREEMENT = 0.99;

    /**
     * On CPU a graph file smaller than this (the served variant) gets one intra-op thread by default: a model of a few
     * million weights (the demo bundle: 4 MB, nearly all of it the embedding table) runs ops of microseconds. Measured
     * on 2 cores (docs/streamer.md, "the raw path"); camemberta-base (440 MB fp32) is far above it.
     */
    public static final long SMALL_MODEL_BYTES = 32L << 20;

    private OrtSessions() {}

    /** An open session, the provider that really serves it and the variant file it was loaded from. */
    public record Opened(OrtSession session, String provider, BundleManifest.Variant variant) {}

    public static Opened open(Path bundleDir, BundleManifest manifest, SessionSettings settings) {
        SessionOptions options = new SessionOptions();
        try {
            options.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
            String provider = addProvider(options, settings.provider());
            BundleManifest.Variant variant = variant(manifest, settings.precision(), provider);
            Path file = bundleDir.resolve(variant.file());
            Threads threads = threads(settings, provider, sizeOf(file));
            options.setIntraOpNumThreads(threads.intraOp());
            options.setInterOpNumThreads(threads.interOp());
            options.setExecutionMode(
                    threads.interOp() > 1
                            ? SessionOptions.ExecutionMode.PARALLEL
                            : SessionOptions.ExecutionMode.SEQUENTIAL);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            options.addConfigEntry("session.inter_op.allow_spinning", "0");
            LOG.infof(
                    "ONNX Runtime session: provider %s, %s variant, %d intra-op / %d inter-op threads for %d"
                            + " worker(s), no spinning",
                    provider, variant.precision(), threads.intraOp(), threads.interOp(), threads.workers());
            OrtSession session = OrtEnvironment.getEnvironment().createSession(file.toString(), options);
            return new Opened(session, provider, variant);
        } catch (OrtException e) {
            options.close();
            throw new BundleException(
                    "ONNX Runtime cannot load the model of bundle " + bundleDir + ": " + e.getMessage(), e);
        }
    }

    /** The inference workers that share a session and the thread counts it gets. */
    public record Threads(int workers, int intraOp, int interOp) {}

    /** The inference workers for a provider: the configured count, else 2 (1 on a single-core CPU). */
    public static int workers(SessionSettings settings, String provider) {
        if (settings.workers() > 0) {
            return settings.workers();
        }
        return provider.equals("cuda") ? 2 : Math.min(2, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Explicit counts per provider and model size (see the class comment); a configured count (> 0) always wins.
     *
     * @param modelBytes the size of the graph file served; below {@link #SMALL_MODEL_BYTES} one intra-op thread on CPU
     */
    public static Threads threads(SessionSettings settings, String provider, long modelBytes) {
        int cores = Runtime.getRuntime().availableProcessors();
        boolean cuda = provider.equals("cuda");
        int workers = workers(settings, provider);
        int defaultIntra = cuda || modelBytes < SMALL_MODEL_BYTES ? 1 : Math.max(1, cores / workers);
        return new Threads(
                workers,
                settings.intraOpThreads() > 0 ? settings.intraOpThreads() : defaultIntra,
                settings.interOpThreads() > 0 ? settings.interOpThreads() : 1);
    }

    /** The CPU default of {@link #subBatchOverheadTokens}, measured (docs/streamer.md, "the exported graph"). */
    public static final int CPU_SUB_BATCH_OVERHEAD_TOKENS = 32;

    /**
     * The default on CUDA: the value every provider had before the CPU's was measured. A GPU call costs about the same
     * whatever its rows, so splitting there buys less; not measured on a GPU.
     */
    public static final int CUDA_SUB_BATCH_OVERHEAD_TOKENS = 256;

    /**
     * What one more call is worth in padded tokens when a batch is split by length: the configured value, else per
     * provider.
     */
    public static int subBatchOverheadTokens(int configured, String provider) {
        if (configured > 0) {
            return configured;
        }
        return provider.equals("cuda") ? CUDA_SUB_BATCH_OVERHEAD_TOKENS : CPU_SUB_BATCH_OVERHEAD_TOKENS;
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            // the verified bundle has the file; should it vanish, ORT's load reports it with its own message
            return Long.MAX_VALUE;
        }
    }

    /**
     * ONNX Runtime's addCUDA throws when the CUDA provider is not in the jar or finds no GPU; the same options then
     * still work on CPU (checked on ORT 1.22), so auto can fall back without rebuilding them.
     */
    private static String addProvider(SessionOptions options, ExecutionProvider requested) {
        if (requested == ExecutionProvider.CPU) {
            return "cpu";
        }
        try {
            options.addCUDA(0);
            return "cuda";
        } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
            if (requested == ExecutionProvider.CUDA) {
                throw new IllegalStateException(
                        "nli.inference.provider=cuda but the CUDA execution provider cannot start ("
                                + e.getMessage()
                                + "); run the GPU build (onnxruntime_gpu, -Pgpu) on a node with CUDA 12 and"
                                + " cuDNN 9, or set nli.inference.provider=auto or cpu",
                        e);
            }
            LOG.warnf("nli.inference.provider=auto: CUDA is not available (%s); serving on CPU", e.getMessage());
            return "cpu";
        }
    }

    static BundleManifest.Variant variant(BundleManifest manifest, String precision, String provider) {
        String wanted = switch (precision) {
            case "auto" -> auto(manifest, provider);
            default -> precision;
        };
        if (wanted.equals("fp16") && !provider.equals("cuda")) {
            throw new IllegalStateException("nli.inference.precision=fp16 needs the CUDA provider (fp16 is slow or"
                    + " unsupported on CPU); use auto, fp32 or int8");
        }
        return manifest.variant(wanted)
                .orElseThrow(() -> new BundleException("bundle " + manifest.name() + " "
                        + manifest.version() + " has no " + wanted + " ONNX variant (it has "
                        + manifest.onnx().variants().stream()
                                .map(BundleManifest.Variant::precision)
                                .toList()
                        + "); set nli.inference.precision=auto"));
    }

    /** fp16 on CUDA when present; int8 on CPU when its recorded agreement is high enough; else fp32. */
    private static String auto(BundleManifest manifest, String provider) {
        if (provider.equals("cuda")) {
            return manifest.variant("fp16").isPresent() ? "fp16" : "fp32";
        }
        boolean int8Agrees = manifest.variant("int8")
                .map(BundleManifest.Variant::argmaxAgreement)
                .filter(a -> a >= INT8_MIN_AGREEMENT)
                .isPresent();
        return int8Agrees ? "int8" : "fp32";
    }
}
