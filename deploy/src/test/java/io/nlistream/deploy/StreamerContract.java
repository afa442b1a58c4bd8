package io.nlistream.deploy;

import java.util.Set;

/**
 * The streamer's runtime contract (CONFIG-CONTRACT: environment names, health paths, port, writable paths) that the
 * chart, the compose file and the images are built against. {@code StreamerConfigCrossCheckTest} checks it against
 * what the streamer really reads, so a rename on either side fails the build.
 */
public final class StreamerContract {
    private StreamerContract() {}

    public static final int HTTP_PORT = 8080;
    public static final String HEALTH_LIVE = "/q/health/live";
    public static final String HEALTH_READY = "/q/health/ready";
    public static final String HEALTH_STARTED = "/q/health/started";
    public static final String METRICS = "/q/metrics";
    public static final String BUNDLE_PATH = "/models/bundle";
    public static final String STATE_DIR = "/var/lib/nli-streamer/state";
    public static final long UID = 1001;

    /** Variables the streamer maps to its configuration. */
    public static final Set<String> STREAMER_ENV = Set.of(
            "NLI_BUNDLE_PATH",
            "KAFKA_BOOTSTRAP_SERVERS",
            "NLI_TOPICS_PAIRS",
            "NLI_TOPICS_CLASSIFICATIONS",
            "NLI_TOPICS_DLQ",
            "NLI_TOPICS_CONTROL",
            "NLI_APPLICATION_ID",
            "NLI_BATCH_MAX_SIZE",
            "NLI_BATCH_MAX_DELAY",
            "NLI_BATCH_MAX_TOKENS",
            "NLI_BATCH_SUB_BATCH_OVERHEAD_TOKENS",
            "NLI_COMMIT_WHEN_DRAINED",
            "NLI_COMMIT_MIN_SPACING",
            "NLI_INFERENCE_PROVIDER",
            "NLI_INFERENCE_INTRA_OP_THREADS",
            "NLI_INFERENCE_PRECISION",
            "NLI_INFERENCE_WORKERS",
            "NLI_INFERENCE_MAX_OUTSTANDING_PAIRS",
            "NLI_BUNDLE_WATCH",
            "KAFKA_SECURITY_PROTOCOL",
            "KAFKA_SASL_MECHANISM",
            "KAFKA_SASL_JAAS_CONFIG",
            "KAFKA_SSL_TRUSTSTORE_LOCATION",
            "KAFKA_SSL_TRUSTSTORE_PASSWORD",
            "KAFKA_SSL_TRUSTSTORE_TYPE",
            "KAFKA_SSL_KEYSTORE_LOCATION",
            "KAFKA_SSL_KEYSTORE_PASSWORD",
            "KAFKA_SSL_KEYSTORE_TYPE",
            "NUM_STREAM_THREADS",
            "KAFKA_STREAMS_STATE_DIR");

    /** Variables read by the JVM and libraries rather than by the streamer's configuration. */
    public static final Set<String> RUNTIME_ENV = Set.of("JAVA_TOOL_OPTIONS", "DJL_CACHE_DIR");
}
