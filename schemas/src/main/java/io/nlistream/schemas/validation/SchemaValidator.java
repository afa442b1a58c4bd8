package io.nlistream.schemas.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.nlistream.schemas.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Validates contract documents against the JSON Schemas (draft 2020-12), the single source of truth. Rules that
 * JSON Schema cannot express are declared in the schema as {@code x-} annotations and enforced here from those same
 * annotations: {@code x-maxDepth} and {@code x-maxSerializedBytes} on objects, {@code x-sumTo}/{@code x-sumTolerance}
 * on number maps, and for classifications that {@code label} is the argmax with {@code confidence} its probability.
 * Thread-safe; compiled schemas are cached.
 */
public final class SchemaValidator {
    private static final List<String> ANNOTATIONS =
            List.of("x-maxDepth", "x-maxSerializedBytes", "x-sumTo", "x-sumTolerance");
    private static final SchemaValidator INSTANCE = new SchemaValidator();

    private final Map<ContractSchema, JsonSchema> schemas = new EnumMap<>(ContractSchema.class);
    private final Map<ContractSchema, JsonNode> raw = new EnumMap<>(ContractSchema.class);

    private SchemaValidator() {
        // The x- annotations are enforced below, not by networknt: declare them so it does not warn about them.
        JsonMetaSchema.Builder meta = JsonMetaSchema.builder(JsonMetaSchema.getV202012());
        for (String keyword : ANNOTATIONS) {
            meta.keyword(new NonValidationKeyword(keyword));
        }
        JsonMetaSchema metaSchema = meta.build();
        JsonSchemaFactory factory =
                JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012, b -> b.metaSchema(metaSchema));
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
                .pathType(PathType.JSON_PATH)
                .formatAssertionsEnabled(true)
                .errorMessageKeyword("message")
                .build();
        for (ContractSchema s : ContractSchema.values()) {
            JsonNode node = read(s);
            raw.put(s, node);
            schemas.put(s, factory.getSchema(node, config));
        }
    }

    public static SchemaValidator get() {
        return INSTANCE;
    }

    /** The schema document itself, e.g. to read its declared limits. */
    public JsonNode schemaDocument(ContractSchema schema) {
        return raw.get(schema);
    }

    /** All broken rules, sorted by field; empty when the document is valid. */
    public List<Violation> validate(ContractSchema schema, JsonNode document) {
        List<Violation> out = new ArrayList<>();
        for (ValidationMessage m : schemas.get(schema).validate(document)) {
            String field = field(m.getInstanceLocation().toString());
            out.add(new Violation(field, describe(field, m)));
        }
        if (out.isEmpty()) {
            checkAnnotations(raw.get(schema), raw.get(schema), document, "", out);
            if (schema == ContractSchema.NLI_CLASSIFICATION) {
                checkArgmax(document, out);
            }
        }
        out.sort(Comparator.comparing(Violation::field));
        return out;
    }

    /** Throws {@link ContractViolationException} listing every broken rule. */
    public void requireValid(ContractSchema schema, JsonNode document) {
        List<Violation> violations = validate(schema, document);
        if (!violations.isEmpty()) {
            throw new ContractViolationException(schema, violations);
        }
    }

    private static String field(String instanceLocation) {
        // networknt reports "$", "$.premise", "$.metadata.a[0]": drop the root marker.
        if (instanceLocation.equals("$")) {
            return "";
        }
        return instanceLocation.startsWith("$.") ? instanceLocation.substring(2) : instanceLocation.substring(1);
    }

    private static String describe(String field, ValidationMessage m) {
        String text = m.getMessage();
        String prefix = m.getInstanceLocation().toString() + ": ";
        if (text.startsWith(prefix)) {
            text = text.substring(prefix.length());
        }
        if ("required".equals(m.getType()) && m.getProperty() != null) {
            String missing = field.isEmpty() ? m.getProperty() : field + "." + m.getProperty();
            return missing + " is required but missing";
        }
        return (field.isEmpty() ? "document" : field) + " " + text;
    }

    /** Walks the schema's properties alongside the document and enforces the x- annotations found on the way. */
    private static void checkAnnotations(
            JsonNode root, JsonNode schema, JsonNode doc, String path, List<Violation> out) {
        if (schema == null || doc == null) {
            return;
        }
        if (schema.has("$ref")) {
            schema = resolve(root, schema.get("$ref").asText());
        }
        String name = path.isEmpty() ? "document" : path;
        if (schema.has("x-maxDepth") && depth(doc) > schema.get("x-maxDepth").asInt()) {
            out.add(new Violation(
                    path,
                    name + " is nested " + depth(doc) + " levels deep; at most "
                            + schema.get("x-maxDepth").asInt() + " are allowed"));
        }
        if (schema.has("x-maxSerializedBytes")) {
            int size = serializedBytes(doc);
            int max = schema.get("x-maxSerializedBytes").asInt();
            if (size > max) {
                out.add(new Violation(
                        path, name + " is " + size + " bytes serialized; at most " + max + " are allowed"));
            }
        }
        if (schema.has("x-sumTo") && doc.isObject()) {
            double sum = 0;
            for (Iterator<JsonNode> it = doc.elements(); it.hasNext(); ) {
                sum += it.next().asDouble();
            }
            double target = schema.get("x-sumTo").asDouble();
            double tol = schema.path("x-sumTolerance").asDouble(1e-6);
            if (Math.abs(sum - target) > tol) {
                out.add(new Violation(path, name + " sum to " + sum + ", expected " + target + " within " + tol));
            }
        }
        JsonNode props = schema.get("properties");
        if (props != null && doc.isObject()) {
            props.fields()
                    .forEachRemaining(e -> checkAnnotations(
                            root,
                            e.getValue(),
                            doc.get(e.getKey()),
                            path.isEmpty() ? e.getKey() : path + "." + e.getKey(),
                            out));
        }
    }

    private static void checkArgmax(JsonNode doc, List<Violation> out) {
        JsonNode probs = doc.get("probabilities");
        String label = doc.get("label").asText();
        String best = null;
        double bestP = -1;
        for (Iterator<Map.Entry<String, JsonNode>> it = probs.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().asDouble() > bestP) {
                bestP = e.getValue().asDouble();
                best = e.getKey();
            }
        }
        double labelP = probs.get(label).asDouble();
        if (labelP < bestP) {
            out.add(new Violation("label", "label is '" + label + "' but the most probable label is '" + best + "'"));
        }
        if (Math.abs(doc.get("confidence").asDouble() - labelP) > 1e-6) {
            out.add(new Violation(
                    "confidence",
                    "confidence " + doc.get("confidence").asDouble() + " is not the probability of label '" + label
                            + "' (" + labelP + ")"));
        }
    }

    private static JsonNode resolve(JsonNode root, String ref) {
        if (!ref.startsWith("#/")) {
            throw new IllegalStateException("only local $ref is used in the contract schemas: " + ref);
        }
        JsonNode node = root.at(ref.substring(1));
        if (node.isMissingNode()) {
            throw new IllegalStateException("unresolvable $ref " + ref);
        }
        return node;
    }

    /** Depth of an object or array; scalars are 0, {} is 1, {"a":{}} is 2. */
    static int depth(JsonNode node) {
        if (!node.isContainerNode()) {
            return 0;
        }
        int max = 0;
        for (JsonNode child : node) {
            max = Math.max(max, depth(child));
        }
        return max + 1;
    }

    private static int serializedBytes(JsonNode node) {
        try {
            return Json.mapper().writeValueAsBytes(node).length;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode read(ContractSchema s) {
        try (InputStream in = SchemaValidator.class.getResourceAsStream(s.resource())) {
            if (in == null) {
                throw new IllegalStateException("schema resource missing from the classpath: " + s.resource());
            }
            return Json.mapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read schema " + s.resource(), e);
        }
    }
}
