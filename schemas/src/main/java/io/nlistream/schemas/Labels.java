package io.nlistream.schemas;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The contract's NLI labels and their canonical order (the seed's LABEL2ID: 0 entailment, 1 neutral, 2 contradiction).
 */
public final class Labels {
    public static final String ENTAILMENT = "entailment";
    public static final String NEUTRAL = "neutral";
    public static final String CONTRADICTION = "contradiction";

    /** Canonical order; a model bundle may declare another output order in its manifest. */
    public static final List<String> CONTRACT = List.of(ENTAILMENT, NEUTRAL, CONTRADICTION);

    private Labels() {}

    /**
     * Maps a checkpoint's or dataset's label name onto the contract (case-insensitive; also accepts the
     * integer codes 0/1/2 and common aliases). Empty when the name does not map.
     */
    public static Optional<String> normalize(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String n = name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "entailment", "0", "entails", "yes" -> Optional.of(ENTAILMENT);
            case "neutral", "1", "unknown" -> Optional.of(NEUTRAL);
            case "contradiction", "2", "contradicts", "no" -> Optional.of(CONTRADICTION);
            default -> Optional.empty();
        };
    }

    public static int index(String label) {
        int i = CONTRACT.indexOf(label);
        if (i < 0) {
            throw new IllegalArgumentException("unknown label '" + label + "', expected one of " + CONTRACT);
        }
        return i;
    }
}
