package io.nlistream.streamer.api;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.event.NliPair;
import io.nlistream.schemas.validation.ContractSchema;
import io.nlistream.schemas.validation.SchemaValidator;
import io.nlistream.schemas.validation.Violation;
import io.nlistream.streamer.ops.BrokerProbe;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * {@code POST /pairs}: one nli-pair or an array of them. All are validated first; if any is invalid nothing is sent and
 * the answer is 400 listing every problem by index. Valid pairs go to nli.pairs keyed by id (so one id's pairs stay
 * in order) and the answer, once Kafka acknowledged them all, is 202 with their ids. A W3C {@code traceparent} request
 * header is copied onto the records.
 */
@Path("/pairs")
public class PairsResource {
    /** Longer than the channel's delivery.timeout.ms (application.properties), so Kafka's own error comes first. */
    static final long ACK_TIMEOUT_SECONDS = 20;

    private final Emitter<byte[]> pairs;
    private final BrokerProbe broker;

    public PairsResource(@Channel("pairs-out") Emitter<byte[]> pairs, BrokerProbe broker) {
        this.pairs = pairs;
        this.broker = broker;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public CompletionStage<Response> publish(byte[] body, @HeaderParam("traceparent") String traceparent) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(body);
        } catch (StreamConstraintsException e) {
            return done(Response.status(413)
                    .entity(Map.of(
                            "error",
                            "the body exceeds the JSON limits ("
                                    + e.getOriginalMessage() + "); send at most " + Json.MAX_DOCUMENT_BYTES
                                    + " bytes per request, or fewer pairs at a time")));
        } catch (IOException e) {
            return done(Response.status(400).entity(Map.of("error", "the body is not valid JSON: " + e.getMessage())));
        }
        List<JsonNode> items = new ArrayList<>();
        if (root != null && root.isArray()) {
            ((ArrayNode) root).forEach(items::add);
        } else if (root != null) {
            items.add(root);
        }
        if (items.isEmpty()) {
            return done(Response.status(400)
                    .entity(Map.of("error", "send one nli-pair object or a non-empty array of them")));
        }
        List<Map<String, Object>> problems = new ArrayList<>();
        List<NliPair> valid = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            List<Violation> v = SchemaValidator.get().validate(ContractSchema.NLI_PAIR, items.get(i));
            if (!v.isEmpty()) {
                problems.add(Map.of(
                        "index",
                        i,
                        "violations",
                        v.stream().map(Violation::message).toList()));
            } else {
                valid.add(Json.mapper().convertValue(items.get(i), NliPair.class));
            }
        }
        if (!problems.isEmpty()) {
            return done(Response.status(400)
                    .entity(Map.of("error", "invalid nli-pair(s); nothing was published", "problems", problems)));
        }
        // Asked first so a request during an outage gets its 503 in ~2 s with nothing sent, rather than after the
        // producer's delivery timeout with the pairs in doubt (a timed-out send may still have been written).
        return broker.check()
                .subscribeAsCompletionStage()
                .thenCompose(reach -> reach.reachable()
                        ? send(items, valid, traceparent)
                        : done(Response.status(503)
                                .header("Retry-After", "5")
                                .entity(Map.of(
                                        "error",
                                        "Kafka is unreachable (" + reach.detail()
                                                + "); nothing was published, retry later"))));
    }

    private CompletionStage<Response> send(List<JsonNode> items, List<NliPair> valid, String traceparent) {
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i < valid.size(); i++) {
            CompletableFuture<Void> ack = new CompletableFuture<>();
            acks.add(ack);
            RecordHeaders headers = new RecordHeaders();
            if (traceparent != null) {
                headers.add("traceparent", traceparent.getBytes(StandardCharsets.UTF_8));
            }
            // the object as the client sent it, unknown fields included
            byte[] value = items.get(i).toString().getBytes(StandardCharsets.UTF_8);
            pairs.send(Message.of(value)
                    .addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                            .withKey(valid.get(i).id())
                            .withHeaders(headers)
                            .build())
                    .withAck(() -> {
                        ack.complete(null);
                        return CompletableFuture.completedFuture(null);
                    })
                    .withNack(e -> {
                        ack.completeExceptionally(e);
                        return CompletableFuture.completedFuture(null);
                    }));
        }
        List<String> ids = valid.stream().map(NliPair::id).toList();
        // bounded even if the producer's own timeouts are not: a request never hangs on an unreachable broker
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
                .orTimeout(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .thenApply(x -> Response.accepted(Map.of("published", ids.size(), "ids", ids))
                        .build())
                .exceptionally(e -> Response.status(503)
                        .header("Retry-After", "5")
                        .entity(Map.of(
                                "error", "Kafka did not acknowledge the pairs: " + e.getMessage() + "; retry later"))
                        .build());
    }

    private static CompletionStage<Response> done(Response.ResponseBuilder response) {
        return CompletableFuture.completedFuture(response.build());
    }
}
