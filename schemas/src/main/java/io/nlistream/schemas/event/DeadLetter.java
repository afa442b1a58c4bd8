package io.nlistream.schemas.event;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * Why a record was refused (schema {@code nli-dead-letter.schema.json}). On the DLQ topic the record keeps its original
 * key, value and headers; these fields travel as the {@link Headers} below.
 */
public record DeadLetter(
        Reason reason,
        String detail,
        String cause,
        String topic,
        int partition,
        long offset,
        String key,
        String value,
        Map<String, String> headers,
        Instant failedAt) {

    /** Stable reason codes; {@link #code()} is what the schema and the {@code dead-letter-reason} header carry. */
    public enum Reason {
        EMPTY_VALUE,
        INVALID_UTF8,
        MALFORMED_JSON,
        NOT_AN_OBJECT,
        SCHEMA_VIOLATION,
        TOO_LARGE,
        INFERENCE_FAILED;

        @JsonValue
        public String code() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        @JsonCreator
        public static Reason fromCode(String code) {
            return valueOf(code.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    /** SmallRye Reactive Messaging's dead-letter header names, reused so existing tooling reads our DLQ. */
    public static final class Headers {
        public static final String REASON = "dead-letter-reason";
        public static final String CAUSE = "dead-letter-cause";
        public static final String TOPIC = "dead-letter-topic";
        public static final String PARTITION = "dead-letter-partition";
        public static final String OFFSET = "dead-letter-offset";

        private Headers() {}
    }
}
