package io.nlistream.streamer.ops;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The series of a Prometheus text exposition (the body of /q/metrics: names, labels) and the types of their
 * families. Hand-written: the Prometheus Java client writes this format but does not parse it, and names, labels and
 * types are all the dashboard check needs.
 */
record Exposition(Map<String, List<Map<String, String>>> series, Map<String, String> familyTypes) {
    private static final String[] FAMILY_SUFFIXES = {"_bucket", "_count", "_sum", "_created", "_total", "_info"};

    static Exposition parse(String text) {
        Map<String, List<Map<String, String>>> series = new HashMap<>();
        Map<String, String> types = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring("# TYPE ".length()).trim().split("\\s+");
                types.put(parts[0], parts[1]);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                int end = 0;
                while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                    end++;
                }
                series.computeIfAbsent(line.substring(0, end), n -> new ArrayList<>())
                        .add(labels(line, end));
            }
        }
        return new Exposition(series, types);
    }

    /** The labels of a sample line whose name ends at {@code at}: {@code {a="x",b="y \"q\""} 1.0}. */
    private static Map<String, String> labels(String line, int at) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (at >= line.length() || line.charAt(at) != '{') {
            return labels;
        }
        int i = at + 1;
        while (i < line.length() && line.charAt(i) != '}') {
            int eq = line.indexOf('=', i);
            String name = line.substring(i, eq).trim();
            StringBuilder value = new StringBuilder();
            int j = eq + 2; // past ="
            while (line.charAt(j) != '"') {
                char c = line.charAt(j++);
                if (c == '\\') {
                    char next = line.charAt(j++);
                    value.append(next == 'n' ? '\n' : next);
                } else {
                    value.append(c);
                }
            }
            labels.put(name, value.toString());
            i = j + 1;
            if (i < line.length() && line.charAt(i) == ',') {
                i++;
            }
        }
        return labels;
    }

    Set<String> sampleNames() {
        return series.keySet();
    }

    /** The TYPE of the family a series name belongs to (a histogram's {@code x_bucket} belongs to {@code x}). */
    Optional<String> typeOf(String sampleName) {
        if (familyTypes.containsKey(sampleName)) {
            return Optional.of(familyTypes.get(sampleName));
        }
        for (String suffix : FAMILY_SUFFIXES) {
            if (sampleName.endsWith(suffix)) {
                String family = sampleName.substring(0, sampleName.length() - suffix.length());
                if (familyTypes.containsKey(family)) {
                    return Optional.of(familyTypes.get(family));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Why a series name the dashboard queries would return nothing, or empty when it is exported: absent, or a
     * {@code _bucket} of a family that is not a histogram (client-side percentiles cannot be aggregated).
     */
    Optional<String> problemWith(String name) {
        if (!series.containsKey(name)) {
            return Optional.of(name + " is not exported");
        }
        if (name.endsWith("_bucket") && !typeOf(name).orElse("").equals("histogram")) {
            return Optional.of(name + " is not the bucket series of a histogram (type " + typeOf(name) + ")");
        }
        return Optional.empty();
    }

    /** Why no exported series matches the selector's literal label filters, or empty when one does. */
    Optional<String> problemWith(Selector selector) {
        List<Map<String, String>> candidates = series.getOrDefault(selector.metric(), List.of());
        if (candidates.isEmpty() || candidates.stream().anyMatch(selector::matches)) {
            return Optional.empty(); // an absent name is reported by name
        }
        return Optional.of("no series of " + selector.metric() + " matches " + selector.matchers() + "; labels seen: "
                + candidates.get(0));
    }
}
