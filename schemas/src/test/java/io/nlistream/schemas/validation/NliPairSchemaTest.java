package io.nlistream.schemas.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.event.NliPair;
import java.util.List;
import org.junit.jupiter.api.Test;

class NliPairSchemaTest {
    private final SchemaValidator validator = SchemaValidator.get();

    private List<Violation> validate(String json) throws JsonProcessingException {
        return validator.validate(ContractSchema.NLI_PAIR, Json.mapper().readTree(json));
    }

    private static ObjectNode valid() {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("id", "pair-0001");
        n.put("premise", "Et il a dit, maman, je suis à la maison.");
        n.put("hypothesis", "Il a appelé sa mère.");
        return n;
    }

    @Test
    void serializedRecordIsValid() throws Exception {
        ObjectNode meta = Json.mapper().createObjectNode().put("source", "crm").put("tenant", 7);
        NliPair pair = new NliPair("a1b2-c3:d4/e5@f6", "Le chat dort.", "Un animal se repose.", meta);
        JsonNode node = Json.mapper().valueToTree(pair);
        assertThat(validator.validate(ContractSchema.NLI_PAIR, node)).isEmpty();
        assertThat(Json.mapper().treeToValue(node, NliPair.class)).isEqualTo(pair);
    }

    @Test
    void missingIdIsNamed() throws Exception {
        ObjectNode n = valid();
        n.remove("id");
        assertThat(validator.validate(ContractSchema.NLI_PAIR, n))
                .extracting(Violation::message)
                .containsExactly("id is required but missing");
    }

    @Test
    void nonStringPremiseIsNamed() throws Exception {
        List<Violation> v = validate("{\"id\":\"x\",\"premise\":42,\"hypothesis\":\"h\"}");
        assertThat(v).singleElement().satisfies(x -> {
            assertThat(x.field()).isEqualTo("premise");
            assertThat(x.message()).startsWith("premise ").contains("string");
        });
    }

    @Test
    void emptyAndWhitespaceTextAreRefused() throws Exception {
        assertThat(validate("{\"id\":\"x\",\"premise\":\"\",\"hypothesis\":\"h\"}"))
                .extracting(Violation::message)
                .contains("premise must not be empty");
        assertThat(validate("{\"id\":\"x\",\"premise\":\"p\",\"hypothesis\":\" \\t\\n \"}"))
                .extracting(Violation::message)
                .containsExactly("hypothesis must contain non-whitespace text");
    }

    @Test
    void oversizeTextIsRefused() throws Exception {
        ObjectNode n = valid();
        n.put("premise", "a".repeat(20_001));
        assertThat(validator.validate(ContractSchema.NLI_PAIR, n))
                .extracting(Violation::message)
                .containsExactly("premise is longer than 20000 characters");
        n.put("premise", "a".repeat(20_000));
        assertThat(validator.validate(ContractSchema.NLI_PAIR, n)).isEmpty();
    }

    @Test
    void idCharsetAndLengthAreEnforced() throws Exception {
        ObjectNode n = valid();
        n.put("id", "has space");
        assertThat(validator.validate(ContractSchema.NLI_PAIR, n))
                .singleElement()
                .satisfies(v -> assertThat(v.message()).startsWith("id must use only the characters"));
        n.put("id", "x".repeat(257));
        assertThat(validator.validate(ContractSchema.NLI_PAIR, n))
                .singleElement()
                .satisfies(v -> assertThat(v.field()).isEqualTo("id"));
        n.put("id", 17);
        assertThat(validator.validate(ContractSchema.NLI_PAIR, n))
                .singleElement()
                .satisfies(v -> assertThat(v.message()).startsWith("id ").contains("string"));
    }

    @Test
    void metadataTooDeepIsRefused() throws Exception {
        ObjectNode n = valid();
        ObjectNode cur = n.putObject("metadata");
        for (int i = 0; i < 16; i++) {
            cur = cur.putObject("l" + i);
        }
        assertThat(validator.validate(ContractSchema.NLI_PAIR, n))
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.field()).isEqualTo("metadata");
                    assertThat(v.message()).isEqualTo("metadata is nested 17 levels deep; at most 16 are allowed");
                });
    }

    @Test
    void metadataTooLargeIsRefused() throws Exception {
        ObjectNode n = valid();
        n.putObject("metadata").put("blob", "z".repeat(70_000));
        assertThat(validator.validate(ContractSchema.NLI_PAIR, n))
                .singleElement()
                .satisfies(
                        v -> assertThat(v.message()).startsWith("metadata is 70011 bytes serialized; at most 65536"));
    }

    @Test
    void metadataMustBeAnObject() throws Exception {
        assertThat(validate("{\"id\":\"x\",\"premise\":\"p\",\"hypothesis\":\"h\",\"metadata\":[1]}"))
                .singleElement()
                .satisfies(v -> assertThat(v.field()).isEqualTo("metadata"));
    }

    @Test
    void unknownTopLevelFieldsAreAccepted() throws Exception {
        assertThat(validate("{\"id\":\"x\",\"premise\":\"p\",\"hypothesis\":\"h\",\"lang\":\"fr\"}"))
                .isEmpty();
    }

    @Test
    void parserRefusesHostileNesting() {
        String deep = "[".repeat(20_000) + "]".repeat(20_000);
        assertThatThrownBy(() -> Json.mapper().readTree(deep))
                .isInstanceOf(JsonProcessingException.class)
                .hasMessageContaining("nesting depth");
    }

    @Test
    void requireValidListsEveryViolation() throws Exception {
        JsonNode n = Json.mapper().readTree("{\"premise\":\"\",\"hypothesis\":3}");
        assertThatThrownBy(() -> validator.requireValid(ContractSchema.NLI_PAIR, n))
                .isInstanceOf(ContractViolationException.class)
                .hasMessageContaining("id is required but missing")
                .hasMessageContaining("premise must not be empty")
                .hasMessageContaining("hypothesis ");
    }
}
