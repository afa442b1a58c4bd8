package io.nlistream.streamer.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PromQL vector selector {@code name{label="v", label=~"re"}} with the matchers whose values are literal (those
 * holding a Grafana variable are left out: their value is only known in Grafana). Lets the dashboard check see that
 * a selector's fixed label filters match some exported series, not only that its name exists.
 */
record Selector(String metric, List<LabelMatcher> matchers) {
    private static final Pattern SELECTOR =
            Pattern.compile("([A-Za-z_:][A-Za-z0-9_:]*)\\s*\\{((?:\"(?:\\\\.|[^\"\\\\])*\"|[^}\"])*)}");
    private static final Pattern MATCHER = Pattern.compile("(\\w+)\\s*(=~|!~|!=|=)\\s*\"((?:\\\\.|[^\"\\\\])*)\"");

    record LabelMatcher(String label, String op, String value) {
        boolean test(Map<String, String> labels) {
            String actual = labels.getOrDefault(label, "");
            return switch (op) {
                case "=" -> actual.equals(value);
                case "!=" -> !actual.equals(value);
                // PromQL regexes are anchored at both ends, like String.matches.
                case "=~" -> actual.matches(value);
                case "!~" -> !actual.matches(value);
                default -> throw new IllegalArgumentException("unknown matcher " + op);
            };
        }
    }

    static List<Selector> in(String expression) {
        List<Selector> out = new ArrayList<>();
        Matcher s = SELECTOR.matcher(expression);
        while (s.find()) {
            List<LabelMatcher> matchers = new ArrayList<>();
            Matcher m = MATCHER.matcher(s.group(2));
            while (m.find()) {
                String value = m.group(3).replace("\\\"", "\"").replace("\\\\", "\\");
                if (!value.contains("$")) {
                    matchers.add(new LabelMatcher(m.group(1), m.group(2), value));
                }
            }
            out.add(new Selector(s.group(1), matchers));
        }
        return out;
    }

    boolean matches(Map<String, String> labels) {
        return matchers.stream().allMatch(m -> m.test(labels));
    }
}
