package io.nlistream.streamer.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlistream.schemas.Json;
import io.nlistream.streamer.StreamerConfig;
import io.nlistream.streamer.bundle.ActiveModel;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Model-control events on nli.control, seen by every replica: {@code {"action":"reload"}} reloads the configured
 * bundle directory, {@code {"action":"reload","path":"/models/bundle-v2"}} loads another one. The new bundle is
 * verified and warmed before the swap; a refused bundle leaves the current one serving.
 */
@ApplicationScoped
public class ControlEvents {
    private static final Logger LOG = Logger.getLogger(ControlEvents.class);

    @Inject
    ActiveModel models;

    @Inject
    StreamerConfig config;

    @Incoming("control")
    @Blocking
    public void onControl(String value) {
        JsonNode event;
        try {
            event = Json.mapper().readTree(value);
        } catch (IOException e) {
            LOG.warnf("ignored a control event that is not JSON: %s", e.getMessage());
            return;
        }
        if (event == null || !"reload".equals(event.path("action").asText())) {
            LOG.warnf(
                    "ignored control event %s: the only action is {\"action\":\"reload\",\"path\":\"<optional dir>\"}",
                    value);
            return;
        }
        Path dir = event.hasNonNull("path")
                ? Path.of(event.get("path").asText())
                : config.bundle().path();
        LOG.infof("control event: reload the bundle from %s", dir);
        models.reload(dir);
    }
}
