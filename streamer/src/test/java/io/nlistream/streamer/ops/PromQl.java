package io.nlistream.streamer.ops;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads. Hand-written because no maintained Java PromQL parser exists; the
 * dashboard's expressions only need names, so this strips everything that is not one (strings, label matchers,
 * ranges, grouping clauses, function calls, keywords, numbers) and keeps the identifiers left.
 */
final class PromQl {
    private static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{[^}]*}|\\$\\w+");
    private static final Pattern STRING = Pattern.compile("\"(?:\\\\.|[^\"\\\\])*\"|'(?:\\\\.|[^'\\\\])*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING =
            Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern TOKEN = Pattern.compile(
            "(?<number>0x[0-9a-fA-F]+|\\d+(?:\\.\\d*)?(?:[eE][+-]?\\d+)?[a-zA-Z]*)|(?<name>[A-Za-z_:][A-Za-z0-9_:]*)");
    private static final Set<String> KEYWORDS = Set.of(
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "offset",
            "bool",
            "and",
            "or",
            "unless",
            "inf",
            "nan");
    /** Grafana's {@code label_values(metric, label)} variable query: only its first argument is PromQL. */
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((?:(.*),)?\\s*\\w+\\s*\\)\\s*$");

    private PromQl() {}

    static Set<String> metricNames(String expression) {
        if (expression.contains("__name__")) {
            throw new IllegalArgumentException("selects metrics by __name__, which cannot be checked: " + expression);
        }
        String e = GRAFANA_VARIABLE.matcher(expression).replaceAll("0");
        e = STRING.matcher(e).replaceAll("\"\"");
        e = MATCHERS.matcher(e).replaceAll(" ");
        e = RANGE.matcher(e).replaceAll(" ");
        e = GROUPING.matcher(e).replaceAll(" ");
        Set<String> names = new LinkedHashSet<>();
        Matcher m = TOKEN.matcher(e);
        while (m.find()) {
            String name = m.group("name");
            if (name == null || KEYWORDS.contains(name.toLowerCase()) || callFollows(e, m.end())) {
                continue;
            }
            names.add(name);
        }
        return names;
    }

    /** The metric names of a Grafana Prometheus variable query ({@code label_values(...)} or plain PromQL). */
    static Set<String> variableMetricNames(String query) {
        Matcher lv = LABEL_VALUES.matcher(query);
        if (lv.matches()) {
            return lv.group(1) == null ? Set.of() : metricNames(lv.group(1));
        }
        return metricNames(query);
    }

    private static boolean callFollows(String e, int at) {
        int i = at;
        while (i < e.length() && Character.isWhitespace(e.charAt(i))) {
            i++;
        }
        return i < e.length() && e.charAt(i) == '(';
    }
}
