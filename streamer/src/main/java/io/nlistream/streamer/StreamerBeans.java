package io.nlistream.streamer;

import io.micrometer.core.instrument.MeterRegistry;
import io.nlistream.streamer.bundle.ActiveModel;
import io.nlistream.streamer.bundle.BundleLoader;
import io.nlistream.streamer.bundle.BundleWatcher;
import io.nlistream.streamer.inference.BatchRunner;
import io.nlistream.streamer.inference.ExecutionProvider;
import io.nlistream.streamer.inference.OrtSessions;
import io.nlistream.streamer.inference.SessionSettings;
import io.nlistream.streamer.ops.StreamerMetrics;
import io.nlistream.streamer.topology.BatchPolicy;
import io.nlistream.streamer.topology.EarlyCommits;
import io.nlistream.streamer.topology.InferenceScheduler;
import io.nlistream.streamer.topology.NliTopology;
import io.nlistream.streamer.topology.TopicNames;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.apache.kafka.streams.Topology;
import org.jboss.logging.Logger;

/**
 * Assembles the service from configuration: the served model, metrics, the topology and the bundle watcher. A
 * singleton, so the shutdown observer sees the watcher the startup observer started (a dependent bean would get a
 * fresh instance per observer call and never close it).
 */
@Singleton
public class StreamerBeans {
    private static final Logger LOG = Logger.getLogger(StreamerBeans.class);
    /** Before Kafka Streams starts: the model is loaded, verified and warmed first, or the service does not start. */
    public static final int LOAD_MODEL_PRIORITY = 100;

    private volatile BundleWatcher watcher;

    @Produces
    @Singleton
    StreamerMetrics metrics(MeterRegistry registry) {
        return new StreamerMetrics(registry);
    }

    @Produces
    @Singleton
    SessionSettings sessionSettings(StreamerConfig config) {
        return new SessionSettings(
                ExecutionProvider.fromId(config.inference().provider()),
                config.inference().intraOpThreads(),
                config.inference().interOpThreads(),
                config.inference().precision(),
                config.inference().workers());
    }

    @Produces
    @Singleton
    ActiveModel activeModel(StreamerConfig config, SessionSettings settings, StreamerMetrics metrics) {
        ActiveModel active = new ActiveModel(new BundleLoader(settings));
        active.onSwap(metrics::serving);
        active.onReload(metrics::reload);
        active.load(config.bundle().path());
        return active;
    }

    void closeModel(@Disposes ActiveModel active) {
        active.close();
    }

    /** One per instance: every stream task's pairs meet in its queue, so batches form across partitions. */
    @Produces
    @Singleton
    InferenceScheduler scheduler(
            StreamerConfig config, SessionSettings settings, ActiveModel models, StreamerMetrics metrics) {
        StreamerConfig.Batch b = config.batch();
        String provider = models.peek().provider();
        BatchPolicy policy = new BatchPolicy(
                b.maxSize(),
                b.maxTokens(),
                b.maxDelay(),
                OrtSessions.subBatchOverheadTokens(b.subBatchOverheadTokens(), provider));
        int workers = OrtSessions.workers(settings, provider);
        int outstanding = config.inference().maxOutstandingPairs();
        if (outstanding == 0) {
            outstanding = InferenceScheduler.defaultMaxOutstanding(policy, workers);
        }
        LOG.infof("inference scheduler: %d worker(s), at most %d pairs queued or running", workers, outstanding);
        return new InferenceScheduler(policy, models, metrics, BatchRunner.DIRECT, workers, outstanding);
    }

    void closeScheduler(@Disposes InferenceScheduler scheduler) {
        scheduler.close();
    }

    @Produces
    @Singleton
    Topology topology(StreamerConfig config, ActiveModel models, StreamerMetrics metrics, InferenceScheduler s) {
        return NliTopology.build(
                new TopicNames(
                        config.topics().pairs(),
                        config.topics().classifications(),
                        config.topics().dlq()),
                models,
                metrics,
                s,
                new EarlyCommits(config.commit().whenDrained(), config.commit().minSpacing()));
    }

    void onStart(
            @Observes @Priority(LOAD_MODEL_PRIORITY) StartupEvent event,
            StreamerConfig config,
            ActiveModel models,
            StreamerMetrics metrics) {
        if (config.bundle().watch()) {
            watcher = new BundleWatcher(
                    models, config.bundle().path(), config.bundle().watchInterval());
        }
    }

    /** Whether the bundle watcher runs (false before start, when watching is off, and after shutdown). */
    public boolean watching() {
        return watcher != null && watcher.running();
    }

    void onStop(@Observes ShutdownEvent event) {
        Optional.ofNullable(watcher).ifPresent(BundleWatcher::close);
    }
}
