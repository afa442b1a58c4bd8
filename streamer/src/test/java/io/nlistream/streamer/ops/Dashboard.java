package io.nlistream.streamer.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlistream.schemas.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The PromQL a Grafana dashboard JSON runs: panel targets (rows' nested panels included) and variable queries. */
record Dashboard(List<String> panelExpressions, List<String> variableQueries) {
    /** The canonical copy: the chart packages it, compose mounts it (relative to the streamer module). */
    static final Path FILE = Path.of("../helm/nli-streamer/dashboards/nli-streamer.json");

    static Dashboard read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dashboard " + file.toAbsolutePath(), e);
        }
    }

    static Dashboard parse(String json) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("the dashboard is not JSON", e);
        }
        List<String> exprs = new ArrayList<>();
        collectPanels(root.path("panels"), exprs);
        List<String> variables = new ArrayList<>();
        for (JsonNode v : root.path("templating").path("list")) {
            if ("query".equals(v.path("type").asText())) {
                JsonNode q = v.path("query");
                variables.add(q.isObject() ? q.path("query").asText() : q.asText());
            }
        }
        return new Dashboard(exprs, variables);
    }

    private static void collectPanels(JsonNode panels, List<String> exprs) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                if (target.hasNonNull("expr")) {
                    exprs.add(target.get("expr").asText());
                }
            }
            collectPanels(panel.path("panels"), exprs);
        }
    }

    /** Every metric name queried, with the first expression that reads it. */
    Map<String, String> metricNames() {
        Map<String, String> names = new TreeMap<>();
        panelExpressions.forEach(e -> PromQl.metricNames(e).forEach(n -> names.putIfAbsent(n, e)));
        variableQueries.forEach(q -> PromQl.variableMetricNames(q).forEach(n -> names.putIfAbsent(n, q)));
        return names;
    }

    /** What would show "No data" against this exposition, one line per name; empty when every query has series. */
    Set<String> problems(Exposition exposition) {
        Set<String> problems = new TreeSet<>();
        metricNames()
                .forEach((name, expr) ->
                        exposition.problemWith(name).ifPresent(p -> problems.add(p + " (queried by: " + expr + ")")));
        for (String e : panelExpressions) {
            Selector.in(e)
                    .forEach(s ->
                            exposition.problemWith(s).ifPresent(p -> problems.add(p + " (queried by: " + e + ")")));
            if (e.contains("histogram_quantile")
                    && PromQl.metricNames(e).stream().noneMatch(n -> n.endsWith("_bucket"))) {
                problems.add("histogram_quantile without a _bucket series: " + e);
            }
        }
        return problems;
    }
}
