package io.nlistream.streamer.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlistream.schemas.Json;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.resteasy.reactive.RestStreamElementType;

/**
 * {@code GET /classifications/stream}: server-sent events, one nli-classification per event, for every classification
 * committed on nli.classifications from the moment the client connects (read_committed; each streamer instance reads
 * all partitions, so any replica serves the whole stream).
 */
@Path("/classifications/stream")
public class ClassificationStream {
    private final Multi<String> classifications;

    public ClassificationStream(@Channel("classifications-in") Multi<String> classifications) {
        this.classifications = classifications;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<JsonNode> stream() {
        return classifications.map(ClassificationStream::parse);
    }

    private static JsonNode parse(String json) {
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
