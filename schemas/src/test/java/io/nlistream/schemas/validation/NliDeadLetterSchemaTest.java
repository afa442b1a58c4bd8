package io.nlistream.schemas.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.event.DeadLetter;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NliDeadLetterSchemaTest {
    private final SchemaValidator validator = SchemaValidator.get();

    private static DeadLetter sample() {
        String value = Base64.getEncoder().encodeToString("{not json".getBytes());
        return new DeadLetter(
                DeadLetter.Reason.MALFORMED_JSON,
                "Unexpected end-of-input at line 1",
                "JsonEOFException",
                "nli.pairs",
                2,
                1234L,
                null,
                value,
                Map.of("traceparent", Base64.getEncoder().encodeToString("00-ab".getBytes())),
                Instant.parse("2026-11-26T12:00:00Z"));
    }

    @Test
    void serializedRecordIsValid() throws Exception {
        ObjectNode node = Json.mapper().valueToTree(sample());
        assertThat(node.get("reason").asText()).isEqualTo("malformed-json");
        assertThat(validator.validate(ContractSchema.NLI_DEAD_LETTER, node)).isEmpty();
        assertThat(Json.mapper().treeToValue(node, DeadLetter.class)).isEqualTo(sample());
    }

    @Test
    void everyReasonCodeIsInTheSchema() {
        for (DeadLetter.Reason r : DeadLetter.Reason.values()) {
            ObjectNode node = Json.mapper().valueToTree(sample());
            node.put("reason", r.code());
            assertThat(validator.validate(ContractSchema.NLI_DEAD_LETTER, node))
                    .as(r.code())
                    .isEmpty();
            assertThat(DeadLetter.Reason.fromCode(r.code())).isEqualTo(r);
        }
    }

    @Test
    void unknownReasonAndNegativeOffsetAreRefused() {
        ObjectNode node = Json.mapper().valueToTree(sample());
        node.put("reason", "because");
        node.put("offset", -1);
        assertThat(validator.validate(ContractSchema.NLI_DEAD_LETTER, node))
                .extracting(Violation::field)
                .containsExactly("offset", "reason");
    }
}
