package io.nlistream.deploy.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.nlistream.deploy.RepoPaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Set;

/** Reads compose files as YAML trees and validates them against the Compose Specification's JSON Schema. */
final class ComposeFiles {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final JsonSchema SCHEMA = loadSchema();

    private ComposeFiles() {}

    static JsonNode read(String relative) {
        Path file = RepoPaths.resolve(relative);
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static Set<ValidationMessage> validate(JsonNode compose) {
        return SCHEMA.validate(compose);
    }

    private static JsonSchema loadSchema() {
        // The specification's schema still carries draft-04 "id" keywords beside its 2019-09 "$schema": annotations
        // only.
        JsonMetaSchema draft201909 = JsonMetaSchema.getV201909();
        JsonMetaSchema withLegacyId = JsonMetaSchema.builder(draft201909.getIri(), draft201909)
                .keyword(new NonValidationKeyword("id"))
                .build();
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(
                SpecVersion.VersionFlag.V201909, builder -> builder.metaSchema(withLegacyId));
        try (InputStream in = ComposeFiles.class.getResourceAsStream("/compose-spec/compose-spec.json")) {
            return factory.getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
