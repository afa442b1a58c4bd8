package io.nlistream.deploy.helm;

import static io.nlistream.deploy.StreamerContract.METRICS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceMonitorRenderTest {

    @Test
    void scrapesTheMetricsPathOnTheServicesHttpPort() {
        Rendered rendered = HelmChart.withDefaults()
                .set("serviceMonitor.enabled", true)
                .set("serviceMonitor.labels.release", "prometheus")
                .render();
        GenericKubernetesResource monitor =
                rendered.generic("monitoring.coreos.com/v1", "ServiceMonitor").get(0);
        Service service = rendered.one(Service.class);

        assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
        Map<String, Object> endpoint =
                monitor.<List<Map<String, Object>>>get("spec", "endpoints").get(0);
        assertThat(endpoint).containsEntry("path", METRICS).containsEntry("interval", "30s");
        assertThat(service.getSpec().getPorts()).anyMatch(p -> p.getName().equals(endpoint.get("port")));
        Map<String, String> selector = monitor.get("spec", "selector", "matchLabels");
        assertThat(service.getMetadata().getLabels()).containsAllEntriesOf(selector);
        assertThat(monitor.<List<String>>get("spec", "namespaceSelector", "matchNames"))
                .containsExactly(HelmChart.NAMESPACE);
    }

    @Test
    void absentWhenOff() {
        assertThat(HelmChart.withDefaults().render().generic("monitoring.coreos.com/v1", "ServiceMonitor"))
                .isEmpty();
    }
}
