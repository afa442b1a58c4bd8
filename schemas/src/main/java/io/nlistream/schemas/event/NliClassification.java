package io.nlistream.schemas.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;

/**
 * Output event on {@code nli.classifications} (schema {@code nli-classification.schema.json}).
 * {@code probabilities} is keyed by contract label name, in the contract's order.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NliClassification(
        String id,
        String label,
        double confidence,
        Map<String, Double> probabilities,
        ModelRef model,
        boolean truncated,
        int inputTokens,
        double queueMs,
        double inferenceMs,
        Instant classifiedAt,
        ObjectNode metadata) {}
