package io.nlistream.schemas.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Input event on {@code nli.pairs} (schema {@code nli-pair.schema.json}). {@code metadata} may be null. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NliPair(String id, String premise, String hypothesis, ObjectNode metadata) {
    public NliPair(String id, String premise, String hypothesis) {
        this(id, premise, hypothesis, null);
    }
}
