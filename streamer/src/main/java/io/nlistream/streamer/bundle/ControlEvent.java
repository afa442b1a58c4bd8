package io.nlistream.streamer.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.nlistream.schemas.Json;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One model-control event, the value of a record on the control topic: {@code {"action":"reload"}} names the
 * configured bundle directory, {@code {"action":"reload","path":"/models/bundle-v2"}} another one.
 *
 * @param path the bundle directory named by the event; empty for the configured one
 */
public record ControlEvent(Optional<Path> path) {
    public static final String USAGE = "{\"action\":\"reload\",\"path\":\"<optional bundle dir>\"}";

    /** The bundle directory this event asks for, {@code configured} when it names none. */
    public Path dir(Path configured) {
        return path.orElse(configured);
    }

    /**
     * @throws IllegalArgumentException saying what is wrong, for a value that is not a control event
     */
    public static ControlEvent parse(String value) {
        JsonNode event;
        try {
            event = Json.mapper().readTree(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON (" + e.getOriginalMessage() + "); expected " + USAGE);
        }
        if (event == null
                || !event.isObject()
                || !"reload".equals(event.path("action").asText())) {
            throw new IllegalArgumentException("the only action is " + USAGE);
        }
        JsonNode path = event.get("path");
        if (path == null || path.isNull()) {
            return new ControlEvent(Optional.empty());
        }
        if (!path.isTextual() || path.asText().isBlank()) {
            throw new IllegalArgumentException("path must be a non-empty string; expected " + USAGE);
        }
        return new ControlEvent(Optional.of(Path.of(path.asText())));
    }
}
