package io.nlistream.deploy.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nlistream.deploy.RepoPaths;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The dashboard imports anywhere (data source picked by a variable, never a fixed uid), filters every query by the
 * job and instance variables, lays out without overlaps, and covers what operators asked for. That each metric it
 * queries is really exported is checked against a running streamer (streamer's DashboardMetricsTest).
 */
class DashboardJsonTest {
    private static final JsonNode DASHBOARD = read();
    private static final Pattern SELECTOR = Pattern.compile("([A-Za-z_:][A-Za-z0-9_:]*)\\{([^}]*)}");

    private static JsonNode read() {
        try {
            return new ObjectMapper()
                    .readTree(RepoPaths.resolve("helm/nli-streamer/dashboards/nli-streamer.json")
                            .toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<JsonNode> panels() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : DASHBOARD.path("panels")) {
            out.add(p);
            p.path("panels").forEach(out::add);
        }
        return out;
    }

    private static List<JsonNode> targets() {
        List<JsonNode> out = new ArrayList<>();
        panels().forEach(p -> p.path("targets").forEach(out::add));
        return out;
    }

    private static JsonNode variable(String name) {
        for (JsonNode v : DASHBOARD.path("templating").path("list")) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        throw new AssertionError("no dashboard variable " + name);
    }

    @Test
    void theDataSourceIsAVariableSoProvisioningAndImportBothWork() {
        JsonNode ds = variable("DS_PROMETHEUS");

        assertThat(ds.path("type").asText()).isEqualTo("datasource");
        assertThat(ds.path("query").asText()).isEqualTo("prometheus");
        assertThat(DASHBOARD.has("__inputs")).as("no import-time input to fill").isFalse();
        List<JsonNode> users = new ArrayList<>(panels().stream()
                .filter(p -> !p.path("type").asText().equals("row"))
                .toList());
        users.addAll(targets());
        users.add(variable("job"));
        users.add(variable("instance"));
        assertThat(users).allSatisfy(n -> {
            assertThat(n.path("datasource").path("type").asText()).isEqualTo("prometheus");
            assertThat(n.path("datasource").path("uid").asText()).isEqualTo("${DS_PROMETHEUS}");
        });
    }

    @Test
    void everySelectorIsFilteredByJobAndInstance() {
        assertThat(variable("instance").path("query").path("query").asText()).contains("$job");
        List<String> selectors = new ArrayList<>();
        for (JsonNode t : targets()) {
            Matcher m = SELECTOR.matcher(t.path("expr").asText());
            while (m.find()) {
                selectors.add(m.group());
            }
        }

        assertThat(selectors)
                .hasSizeGreaterThanOrEqualTo(targets().size())
                .allSatisfy(s -> assertThat(s).contains("job=~\"$job\"", "instance=~\"$instance\""));
    }

    @Test
    void coversThroughputDeadLettersBatchingLatencyBusyLagModelAndReloads() {
        String exprs = String.join(
                "\n", targets().stream().map(t -> t.path("expr").asText()).toList());

        assertThat(exprs)
                .contains(
                        "nli_events_in_total",
                        "sum by (label) (rate(nli_events_out_total",
                        "sum by (reason) (rate(nli_dead_letters_total",
                        "nli_batch_size_bucket",
                        "nli_batch_tokens_bucket",
                        "histogram_quantile(0.99, sum by (le) (rate(nli_queue_seconds_bucket",
                        "histogram_quantile(0.5, sum by (le) (rate(nli_inference_seconds_bucket",
                        "nli_inference_busy_seconds_total",
                        "kafka_consumer_fetch_manager_records_lag_max",
                        "nli_model_info",
                        "nli_bundle_reloads_total");
    }

    @Test
    void panelsHaveUniqueIdsAndDoNotOverlapOnTheGrid() {
        Set<Integer> ids = new HashSet<>();
        List<int[]> boxes = new ArrayList<>();
        for (JsonNode p : panels()) {
            assertThat(ids.add(p.path("id").asInt()))
                    .as("id %s unique", p.path("id"))
                    .isTrue();
            JsonNode g = p.path("gridPos");
            int[] box = {
                g.path("x").asInt(),
                g.path("y").asInt(),
                g.path("w").asInt(),
                g.path("h").asInt()
            };
            assertThat(box[0] + box[2])
                    .as("%s fits 24 columns", p.path("title"))
                    .isLessThanOrEqualTo(24);
            for (int[] other : boxes) {
                boolean overlap = box[0] < other[0] + other[2]
                        && other[0] < box[0] + box[2]
                        && box[1] < other[1] + other[3]
                        && other[1] < box[1] + box[3];
                assertThat(overlap)
                        .as("%s overlaps another panel", p.path("title"))
                        .isFalse();
            }
            boxes.add(box);
        }
        assertThat(DASHBOARD.path("uid").asText()).isEqualTo("nli-streamer");
    }
}
