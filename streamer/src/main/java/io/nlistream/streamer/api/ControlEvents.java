package io.nlistream.streamer.api;

import io.nlistream.streamer.StreamerBeans;
import io.nlistream.streamer.StreamerConfig;
import io.nlistream.streamer.bundle.ActiveModel;
import io.nlistream.streamer.bundle.ModelControl;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Model-control events on nli.control ({@link io.nlistream.streamer.bundle.ControlEvent}), keyed by the deployment
 * name ({@code nli.control.deployment}; keyless events reach every deployment). The topic holds the desired state:
 * it is read from the beginning at start, and the desired bundle is loaded before Kafka Streams starts (waiting at
 * most {@code nli.control.catch-up-timeout}; readiness stays down until it is). See {@link ModelControl}.
 */
@ApplicationScoped
public class ControlEvents {
    private static final Logger LOG = Logger.getLogger(ControlEvents.class);
    /** After the model is loaded, before Kafka Streams starts (Quarkus starts it at the default priority). */
    static final int CATCH_UP_PRIORITY = StreamerBeans.LOAD_MODEL_PRIORITY + 1;

    @Inject
    ActiveModel models;

    @Inject
    StreamerConfig config;

    @Inject
    @Identifier("default-kafka-broker") Map<String, Object> kafka;

    @ConfigProperty(name = "nli.control.deployment")
    String deployment;

    @ConfigProperty(name = "nli.control.catch-up-timeout", defaultValue = "30s")
    Duration catchUpTimeout;

    private volatile ModelControl control;

    void onStart(@Observes @Priority(CATCH_UP_PRIORITY) StartupEvent event) throws InterruptedException {
        control = ModelControl.start(
                models,
                new ModelControl.Settings(
                        config.topics().control(), deployment, config.bundle().path(), kafka));
        if (!control.awaitCaughtUp(catchUpTimeout)) {
            LOG.warnf(
                    "the control topic %s was not read within %s; starting with the configured bundle, not ready until"
                            + " the desired one is applied",
                    config.topics().control(), catchUpTimeout);
        }
    }

    /** Empty before start. */
    public Optional<ModelControl.Status> status() {
        return Optional.ofNullable(control).map(ModelControl::status);
    }

    void onStop(@Observes ShutdownEvent event) {
        Optional.ofNullable(control).ifPresent(ModelControl::close);
    }
}
