package io.nlistream.streamer.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.event.NliPair;
import io.nlistream.schemas.validation.ContractSchema;
import io.nlistream.schemas.validation.SchemaValidator;
import io.nlistream.schemas.validation.Violation;
import io.nlistream.streamer.bundle.ActiveModel;
import io.nlistream.streamer.inference.Classifications;
import io.nlistream.tokenizer.EncodedPair;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /classify}: classifies one pair synchronously with the model being served and answers the
 * nli-classification. It bypasses Kafka entirely (no DLQ, no exactly-once, no batching): for trying a model and for
 * low-volume callers; streams of pairs belong on nli.pairs.
 */
@Path("/classify")
public class ClassifyResource {
    @Inject
    ActiveModel models;

    @POST
    @Blocking
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response classify(byte[] body) {
        JsonNode node;
        try {
            node = Json.mapper().readTree(body);
        } catch (IOException e) {
            return Response.status(400)
                    .entity(Map.of("error", "the body is not valid JSON: " + e.getMessage()))
                    .build();
        }
        List<Violation> violations = node == null
                ? List.of(new Violation("", "the body is empty"))
                : SchemaValidator.get().validate(ContractSchema.NLI_PAIR, node);
        if (!violations.isEmpty()) {
            return Response.status(400)
                    .entity(Map.of(
                            "error",
                            "not a valid nli-pair",
                            "violations",
                            violations.stream().map(Violation::message).toList()))
                    .build();
        }
        NliPair pair = Json.mapper().convertValue(node, NliPair.class);
        long start = System.nanoTime();
        try (ActiveModel.Lease lease = models.lease()) {
            EncodedPair encoded = lease.model().encode(pair.premise(), pair.hypothesis());
            double[] probabilities = lease.model().predict(List.of(encoded))[0];
            return Response.ok(Classifications.of(
                            pair,
                            probabilities,
                            lease.model().ref(),
                            encoded.truncated(),
                            encoded.length(),
                            0,
                            (System.nanoTime() - start) / 1e6,
                            Instant.now()))
                    .build();
        }
    }
}
