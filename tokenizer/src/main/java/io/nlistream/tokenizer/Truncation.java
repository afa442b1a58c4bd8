package io.nlistream.tokenizer;

import java.util.Locale;

/** How a pair longer than the max length loses tokens; the names are Hugging Face's, as bundles record them. */
public enum Truncation {
    LONGEST_FIRST,
    ONLY_FIRST,
    ONLY_SECOND;

    /** The manifest / Hugging Face spelling: {@code longest_first}, {@code only_first}, {@code only_second}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Truncation fromId(String id) {
        for (Truncation t : values()) {
            if (t.id().equalsIgnoreCase(id)) {
                return t;
            }
        }
        throw new IllegalArgumentException(
                "unknown truncation strategy '" + id + "'; use longest_first, only_first or only_second");
    }
}
