package io.nlistream.schemas.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.event.ModelRef;
import io.nlistream.schemas.event.NliClassification;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NliClassificationSchemaTest {
    private final SchemaValidator validator = SchemaValidator.get();

    private static NliClassification sample(double pe, double pn, double pc, String label, double confidence) {
        Map<String, Double> p = new LinkedHashMap<>();
        p.put("entailment", pe);
        p.put("neutral", pn);
        p.put("contradiction", pc);
        return new NliClassification(
                "pair-1",
                label,
                confidence,
                p,
                new ModelRef("camemberta-xnli", "1.0.0", "a".repeat(64)),
                false,
                37,
                1.5,
                12.25,
                Instant.parse("2026-11-26T12:00:00Z"),
                Json.mapper().createObjectNode().put("k", "v"));
    }

    private ObjectNode tree(NliClassification c) {
        return Json.mapper().valueToTree(c);
    }

    @Test
    void serializedRecordIsValidAndRoundTrips() throws Exception {
        NliClassification c = sample(0.7, 0.2, 0.1, "entailment", 0.7);
        JsonNode node = tree(c);
        assertThat(validator.validate(ContractSchema.NLI_CLASSIFICATION, node)).isEmpty();
        assertThat(node.get("classifiedAt").asText()).isEqualTo("2026-11-26T12:00:00Z");
        assertThat(Json.mapper().treeToValue(node, NliClassification.class)).isEqualTo(c);
    }

    @Test
    void calibratedModelRefIsValidAndAnUncalibratedOneHasNoCalibrationField() throws Exception {
        NliClassification plain = sample(0.7, 0.2, 0.1, "entailment", 0.7);
        assertThat(tree(plain).get("model").has("calibration")).isFalse();
        NliClassification c = new NliClassification(
                plain.id(),
                plain.label(),
                plain.confidence(),
                plain.probabilities(),
                new ModelRef("camemberta-xnli", "1.0.0", "a".repeat(64), new ModelRef.Calibration("temperature", 1.7)),
                false,
                37,
                1.5,
                12.25,
                plain.classifiedAt(),
                plain.metadata());
        ObjectNode node = tree(c);
        assertThat(validator.validate(ContractSchema.NLI_CLASSIFICATION, node)).isEmpty();
        assertThat(node.at("/model/calibration/temperature").asDouble()).isEqualTo(1.7);
        assertThat(Json.mapper().treeToValue(node, NliClassification.class)).isEqualTo(c);
        ((ObjectNode) node.at("/model/calibration")).put("temperature", 0);
        assertThat(validator.validate(ContractSchema.NLI_CLASSIFICATION, node)).isNotEmpty();
    }

    @Test
    void unknownLabelIsRefused() {
        ObjectNode n = tree(sample(0.7, 0.2, 0.1, "entailment", 0.7));
        n.put("label", "maybe");
        assertThat(validator.validate(ContractSchema.NLI_CLASSIFICATION, n))
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.field()).isEqualTo("label");
                    assertThat(v.message()).contains("enum");
                });
    }

    @Test
    void probabilitiesMustSumToOne() {
        ObjectNode n = tree(sample(0.7, 0.2, 0.1 + 2e-6, "entailment", 0.7));
        assertThat(validator.validate(ContractSchema.NLI_CLASSIFICATION, n))
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.field()).isEqualTo("probabilities");
                    assertThat(v.message()).startsWith("probabilities sum to").contains("within 1.0E-6");
                });
        ObjectNode ok = tree(sample(0.7, 0.2, 0.1 + 5e-7, "entailment", 0.7));
        assertThat(validator.validate(ContractSchema.NLI_CLASSIFICATION, ok)).isEmpty();
    }

    @Test
    void missingProbabilityAndExtraLabelAreRefused() {
        ObjectNode n = tree(sample(0.7, 0.2, 0.1, "entailment", 0.7));
        ((ObjectNode) n.get("probabilities")).remove("neutral");
        ((ObjectNode) n.get("probabilities")).put("other", 0.2);
        assertThat(validator.validate(ContractSchema.NLI_CLASSIFICATION, n))
                .extracting(Violation::message)
                .anySatisfy(m -> assertThat(m).isEqualTo("probabilities.neutral is required but missing"))
                .anySatisfy(m -> assertThat(m).startsWith("probabilities ").contains("other"));
    }

    @Test
    void labelMustBeTheArgmaxAndConfidenceItsProbability() {
        assertThat(validator.validate(
                        ContractSchema.NLI_CLASSIFICATION, tree(sample(0.2, 0.7, 0.1, "entailment", 0.2))))
                .extracting(Violation::message)
                .containsExactly("label is 'entailment' but the most probable label is 'neutral'");
        assertThat(validator.validate(
                        ContractSchema.NLI_CLASSIFICATION, tree(sample(0.7, 0.2, 0.1, "entailment", 0.9))))
                .singleElement()
                .satisfies(v -> assertThat(v.field()).isEqualTo("confidence"));
    }

    @Test
    void badSha256AndNegativeTimingsAreRefused() {
        ObjectNode n = tree(sample(0.7, 0.2, 0.1, "entailment", 0.7));
        ((ObjectNode) n.get("model")).put("sha256", "XYZ");
        n.put("queueMs", -1);
        assertThat(validator.validate(ContractSchema.NLI_CLASSIFICATION, n))
                .extracting(Violation::field)
                .containsExactly("model.sha256", "queueMs");
    }

    @Test
    void classifiedAtMustBeADateTime() {
        ObjectNode n = tree(sample(0.7, 0.2, 0.1, "entailment", 0.7));
        n.put("classifiedAt", "yesterday");
        assertThat(validator.validate(ContractSchema.NLI_CLASSIFICATION, n))
                .singleElement()
                .satisfies(v -> assertThat(v.field()).isEqualTo("classifiedAt"));
    }
}
