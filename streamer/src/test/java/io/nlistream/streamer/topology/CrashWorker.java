package io.nlistream.streamer.topology;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nlistream.streamer.bundle.ActiveModel;
import io.nlistream.streamer.bundle.BundleLoader;
import io.nlistream.streamer.inference.BatchRunner;
import io.nlistream.streamer.inference.SessionSettings;
import io.nlistream.streamer.ops.StreamerMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The streamer's topology in a process of its own, so {@link CrashRecoveryTest} can kill it with SIGKILL.
 * Args: bootstrap, application id, state dir, bundle dir, max delay in ms, and optionally max batch size and a
 * service time in ms per inference call (a slow model, so a kill lands while batches are queued and running).
 */
public final class CrashWorker {
    static final TopicNames TOPICS = topics("crash");

    /** {@code PREFIX.pairs}, {@code PREFIX.classifications}, {@code PREFIX.dlq}. */
    static TopicNames topics(String prefix) {
        return new TopicNames(prefix + ".pairs", prefix + ".classifications", prefix + ".dlq");
    }

    private CrashWorker() {}

    public static void main(String[] args) throws InterruptedException {
        int maxSize = args.length > 5 ? Integer.parseInt(args[5]) : 1000;
        long serviceMs = args.length > 6 ? Long.parseLong(args[6]) : 0;
        BatchRunner slow = (model, rows) -> {
            double[][] out = model.predict(rows);
            try {
                Thread.sleep(serviceMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return out;
        };
        KafkaStreams streams = start(
                args[0],
                args[1],
                Path.of(args[2]),
                Path.of(args[3]),
                new BatchPolicy(maxSize, 1_000_000, Duration.ofMillis(Long.parseLong(args[4])), 256),
                serviceMs > 0 ? slow : BatchRunner.DIRECT,
                topics(System.getProperty("crash.topics", "crash")));
        Runtime.getRuntime().addShutdownHook(new Thread(streams::close));
        Thread.sleep(Long.MAX_VALUE);
    }

    static KafkaStreams start(String bootstrap, String appId, Path stateDir, Path bundle, BatchPolicy policy) {
        return start(bootstrap, appId, stateDir, bundle, policy, BatchRunner.DIRECT, TOPICS);
    }

    static KafkaStreams start(
            String bootstrap,
            String appId,
            Path stateDir,
            Path bundle,
            BatchPolicy policy,
            BatchRunner runner,
            TopicNames topics) {
        ActiveModel models = new ActiveModel(new BundleLoader(SessionSettings.cpu()));
        models.load(bundle);
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.POLL_MS_CONFIG, 5);
        p.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 6000);
        p.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), 1000);
        p.put(StreamsConfig.producerPrefix("transaction.timeout.ms"), 5000);
        StreamerMetrics metrics = new StreamerMetrics(new SimpleMeterRegistry());
        InferenceScheduler scheduler = new InferenceScheduler(
                policy, models, metrics, runner, 1, InferenceScheduler.defaultMaxOutstanding(policy, 1));
        KafkaStreams streams = new KafkaStreams(NliTopology.build(topics, models, metrics, scheduler), p);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.NOT_RUNNING) {
                scheduler.close();
            }
        });
        streams.start();
        return streams;
    }
}
