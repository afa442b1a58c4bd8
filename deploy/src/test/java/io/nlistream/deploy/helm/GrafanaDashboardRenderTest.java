package io.nlistream.deploy.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.nlistream.deploy.RepoPaths;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class GrafanaDashboardRenderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "nli-streamer.json";

    private static List<ConfigMap> dashboards(Rendered rendered) {
        return rendered.all(ConfigMap.class).stream()
                .filter(c -> c.getData() != null && c.getData().containsKey(KEY))
                .toList();
    }

    @Test
    void shipsTheRepositoryDashboardForTheGrafanaSidecar() throws Exception {
        Rendered rendered =
                HelmChart.withDefaults().set("grafanaDashboard.enabled", true).render();
        ConfigMap dashboard = dashboards(rendered).get(0);
        String json = dashboard.getData().get(KEY);

        assertThat(dashboards(rendered)).hasSize(1);
        assertThat(dashboard.getMetadata().getName()).isEqualTo("nli-nli-streamer-dashboard");
        assertThat(dashboard.getMetadata().getNamespace()).isNull();
        assertThat(dashboard.getMetadata().getLabels())
                .containsEntry("grafana_dashboard", "1")
                .containsEntry("app.kubernetes.io/instance", HelmChart.RELEASE);
        assertThat(JSON.readTree(json))
                .as("the chart's dashboards/nli-streamer.json, unchanged")
                .isEqualTo(JSON.readTree(
                        RepoPaths.resolve("helm/nli-streamer/dashboards/" + KEY).toFile()));
        assertThat(json.getBytes(StandardCharsets.UTF_8).length)
                .as("a ConfigMap holds at most 1 MiB")
                .isLessThan(1024 * 1024);
        assertThat(rendered.environment().getData())
                .as("the streamer's environment ConfigMap is a different object")
                .doesNotContainKey(KEY);
    }

    @Test
    void sidecarLabelNamespaceAndFolderAnnotationAreConfigurable() {
        ConfigMap dashboard = dashboards(HelmChart.withDefaults()
                        .set("grafanaDashboard.enabled", true)
                        .set("grafanaDashboard.label", "grafana.example.com/dashboard")
                        .set("grafanaDashboard.labelValue", "nli")
                        .set("grafanaDashboard.namespace", "monitoring")
                        .set("grafanaDashboard.labels.team", "ml-platform")
                        .set("grafanaDashboard.annotations.grafana_folder", "NLI")
                        .render())
                .get(0);

        assertThat(dashboard.getMetadata().getLabels())
                .containsEntry("grafana.example.com/dashboard", "nli")
                .containsEntry("team", "ml-platform")
                .doesNotContainKey("grafana_dashboard");
        assertThat(dashboard.getMetadata().getNamespace()).isEqualTo("monitoring");
        assertThat(dashboard.getMetadata().getAnnotations()).containsEntry("grafana_folder", "NLI");
    }

    @Test
    void aNumericLabelValueFromTheCommandLineBecomesAString() {
        // --set grafanaDashboard.labelValue=1 parses as a number; label values must be strings.
        ConfigMap dashboard = dashboards(HelmChart.withDefaults()
                        .set("grafanaDashboard.enabled", true)
                        .set("grafanaDashboard.labelValue", 2)
                        .render())
                .get(0);

        assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "2");
    }

    @Test
    void absentByDefault() {
        assertThat(dashboards(HelmChart.withDefaults().render())).isEmpty();
    }

    @Test
    void schemaRefusesALabelKubernetesWouldRefuseAndMisspelledKeys() {
        assertThatThrownBy(() -> HelmChart.withDefaults()
                        .set("grafanaDashboard.enabled", true)
                        .set("grafanaDashboard.label", "grafana dashboard")
                        .renderText())
                .hasMessageContaining("grafanaDashboard.label");
        assertThatThrownBy(() -> HelmChart.withDefaults()
                        .set("grafanaDashboard.enable", true)
                        .renderText())
                .hasMessageContaining("enable");
    }
}
