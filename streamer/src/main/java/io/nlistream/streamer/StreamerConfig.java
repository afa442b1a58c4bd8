package io.nlistream.streamer;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;

/** The streamer's own settings ({@code nli.*}; each also reads from its env var, e.g. NLI_BATCH_MAX_SIZE). */
@ConfigMapping(prefix = "nli")
public interface StreamerConfig {
    Bundle bundle();

    Topics topics();

    Batch batch();

    Inference inference();

    Commit commit();

    Demo demo();

    interface Bundle {
        /** The bundle directory (NLI_BUNDLE_PATH). */
        Path path();

        /** Reload when the bundle's manifest changes (NLI_BUNDLE_WATCH). */
        @WithDefault("true")
        boolean watch();

        @WithDefault("2s")
        Duration watchInterval();
    }

    interface Topics {
        @WithDefault("nli.pairs")
        String pairs();

        @WithDefault("nli.classifications")
        String classifications();

        @WithDefault("nli.pairs.dlq")
        String dlq();

        @WithDefault("nli.control")
        String control();
    }

    interface Batch {
        @WithDefault("32")
        int maxSize();

        @WithDefault("10ms")
        Duration maxDelay();

        /** Sum of padded tokens (rows × longest pair) per batch. */
        @WithDefault("8192")
        int maxTokens();

        /**
         * What one more ONNX Runtime call costs, in padded tokens, when splitting a batch into sub-batches. Small on
         * CPU: a call's fixed cost is a few padded tokens' work, while attention grows with the square of the padded
         * length (demo bundle: 64 gives 4,410–4,888 pairs/s raw against 3,844–3,985 at 256; camemberta-base shape
         * 2.36 s a batch against 2.58–2.63; docs/streamer.md, the raw path). 0 = the provider's default
         * ({@link io.nlistream.streamer.inference.OrtSessions#subBatchOverheadTokens}: 32 on CPU, 256 on CUDA).
         */
        @WithDefault("0")
        int subBatchOverheadTokens();
    }

    interface Inference {
        /** auto, cuda or cpu. */
        @WithDefault("auto")
        String provider();

        /** 0 = the provider's default: cores ÷ workers on CPU, 1 on CUDA. */
        @WithDefault("0")
        int intraOpThreads();

        @WithDefault("0")
        int interOpThreads();

        /** auto, fp32, fp16 or int8. */
        @WithDefault("auto")
        String precision();

        /** Threads running batches concurrently on the one session; 0 = 2 (1 on a single-core CPU without CUDA). */
        @WithDefault("0")
        int workers();

        /** Pairs queued or running at most in the scheduler (backpressure); 0 = 4 × max batch × workers. */
        @WithDefault("0")
        int maxOutstandingPairs();
    }

    /** Early commits (EarlyCommits): when a task asks Kafka Streams to commit before commit.interval.ms. */
    interface Commit {
        /** Ask for a commit when a task's forwarding leaves nothing in flight (NLI_COMMIT_WHEN_DRAINED). */
        @WithDefault("true")
        boolean whenDrained();

        /** At least this long between two early commits of one stream thread (NLI_COMMIT_MIN_SPACING). */
        @WithDefault("20ms")
        Duration minSpacing();
    }

    /** The demo profile's embedded broker and sample pairs ({@code -Dquarkus.profile=demo}). */
    interface Demo {
        @WithDefault("false")
        boolean enabled();

        @WithDefault("19092")
        int brokerPort();

        /** Classpath resource with one nli-pair JSON per line. */
        @WithDefault("demo/pairs.jsonl")
        String pairs();

        /** Exit once every sample classification is printed instead of serving on. */
        @WithDefault("false")
        boolean exitAfterPrint();
    }
}
