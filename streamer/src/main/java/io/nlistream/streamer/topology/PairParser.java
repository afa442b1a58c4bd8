package io.nlistream.streamer.topology;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.event.DeadLetter.Reason;
import io.nlistream.schemas.event.NliPair;
import io.nlistream.schemas.validation.ContractSchema;
import io.nlistream.schemas.validation.SchemaValidator;
import io.nlistream.schemas.validation.Violation;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Decides whether raw bytes are an {@code nli-pair}, never throwing: every failure becomes a {@link Intake.Refused}
 * with a reason code and a detail that names the problem. Checks run cheapest first: empty, size, strict UTF-8,
 * JSON (depth- and size-bounded by {@link Json#mapper()}), object, schema.
 *
 * <p>A leading UTF-8 byte order mark is accepted and dropped (RFC 8259 §8.1 lets parsers ignore it; Windows tools
 * write it); a BOM anywhere else is an ordinary character and makes the JSON malformed.
 */
public final class PairParser {
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private PairParser() {}

    public static Intake parse(byte[] value) {
        if (value == null || value.length == 0) {
            return new Intake.Refused(
                    Reason.EMPTY_VALUE, "the record has no value; send an nli-pair JSON object", value);
        }
        if (value.length > Json.MAX_DOCUMENT_BYTES) {
            return new Intake.Refused(
                    Reason.TOO_LARGE,
                    "the value is " + value.length + " bytes; an nli-pair may be at most " + Json.MAX_DOCUMENT_BYTES
                            + " bytes",
                    value);
        }
        byte[] json = startsWithBom(value) ? Arrays.copyOfRange(value, BOM.length, value.length) : value;
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(json))
                    .toString();
        } catch (CharacterCodingException e) {
            return new Intake.Refused(
                    Reason.INVALID_UTF8,
                    "the value is not valid UTF-8 (" + e.getMessage() + "); encode the JSON as UTF-8",
                    value);
        }
        JsonNode node;
        try {
            node = Json.mapper().readTree(text);
        } catch (StreamConstraintsException e) {
            return new Intake.Refused(
                    Reason.TOO_LARGE,
                    "the JSON exceeds the parser's limits (" + e.getOriginalMessage() + "); nesting may be at most "
                            + Json.MAX_NESTING_DEPTH + " levels",
                    value);
        } catch (JsonProcessingException e) {
            return new Intake.Refused(
                    Reason.MALFORMED_JSON,
                    "the value is not valid JSON: " + e.getOriginalMessage() + " at line "
                            + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr(),
                    value);
        } catch (IOException e) {
            return new Intake.Refused(
                    Reason.MALFORMED_JSON, "the value cannot be read as JSON: " + e.getMessage(), value);
        }
        if (node == null || node.isMissingNode()) {
            return new Intake.Refused(
                    Reason.EMPTY_VALUE, "the value holds only whitespace; send an nli-pair JSON object", value);
        }
        if (!node.isObject()) {
            return new Intake.Refused(
                    Reason.NOT_AN_OBJECT,
                    "the value is a JSON " + node.getNodeType().name().toLowerCase(Locale.ROOT)
                            + "; an nli-pair is a JSON object with id, premise and hypothesis",
                    value);
        }
        List<Violation> violations = SchemaValidator.get().validate(ContractSchema.NLI_PAIR, node);
        if (!violations.isEmpty()) {
            return new Intake.Refused(
                    Reason.SCHEMA_VIOLATION,
                    violations.stream().map(Violation::message).collect(Collectors.joining("; ")),
                    value);
        }
        try {
            return new Intake.Accepted(Json.mapper().treeToValue(node, NliPair.class), json);
        } catch (JsonProcessingException e) {
            return new Intake.Refused(
                    Reason.SCHEMA_VIOLATION, "the pair cannot be read: " + e.getOriginalMessage(), value);
        }
    }

    private static boolean startsWithBom(byte[] v) {
        return v.length >= 3 && v[0] == BOM[0] && v[1] == BOM[1] && v[2] == BOM[2];
    }
}
