package io.nlistream.deploy.compose;

import static io.nlistream.deploy.StreamerContract.BUNDLE_PATH;
import static io.nlistream.deploy.StreamerContract.HTTP_PORT;
import static io.nlistream.deploy.StreamerContract.METRICS;
import static io.nlistream.deploy.StreamerContract.RUNTIME_ENV;
import static io.nlistream.deploy.StreamerContract.STATE_DIR;
import static io.nlistream.deploy.StreamerContract.STREAMER_ENV;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlistream.deploy.RepoPaths;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

class ComposeFileTest {
    private static final JsonNode COMPOSE = ComposeFiles.read("docker-compose.yml");
    private static final JsonNode GPU = ComposeFiles.read("docker-compose.gpu.yml");

    private static JsonNode service(String name) {
        JsonNode service = COMPOSE.path("services").path(name);
        assertThat(service.isObject()).as("service %s", name).isTrue();
        return service;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void bothFilesFollowTheComposeSpecification() {
        assertThat(ComposeFiles.validate(COMPOSE)).as("docker-compose.yml").isEmpty();
        assertThat(ComposeFiles.validate(GPU)).as("docker-compose.gpu.yml").isEmpty();
    }

    @Test
    void theSchemaCheckCatchesMistakes() {
        ObjectNode broken = COMPOSE.deepCopy();
        ((ObjectNode) broken.path("services").path("streamer")).put("restart_policy", "always");
        ((ObjectNode) broken.path("services").path("kafka")).put("read_only", "yes");

        assertThat(ComposeFiles.validate(broken))
                .extracting(Object::toString)
                .anyMatch(m -> m.contains("restart_policy"))
                .anyMatch(m -> m.contains("read_only"));
    }

    @Test
    void kafkaRunsInKraftModeFromTheApacheImage() {
        JsonNode kafka = service("kafka");

        assertThat(kafka.path("image").asText()).isEqualTo("apache/kafka:4.1.2");
        assertThat(kafka.path("environment").path("KAFKA_PROCESS_ROLES").asText())
                .isEqualTo("broker,controller");
        assertThat(kafka.path("environment").path("KAFKA_ADVERTISED_LISTENERS").asText())
                .contains("//kafka:9092");
        assertThat(kafka.path("environment")
                        .path("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR")
                        .asInt())
                .as("exactly_once_v2 on a single broker")
                .isEqualTo(1);
        assertThat(kafka.path("healthcheck").path("test").toString()).contains("kafka-broker-api-versions.sh");
        assertThat(COMPOSE.path("services").has("zookeeper")).isFalse();
    }

    @Test
    void topicsAreCreatedWithConfigurablePartitions() {
        JsonNode init = service("kafka-init");
        String script = texts(init.path("command")).get(0);

        assertThat(init.path("image").asText()).isEqualTo("apache/kafka:4.1.2");
        assertThat(init.path("depends_on").path("kafka").path("condition").asText())
                .isEqualTo("service_healthy");
        assertThat(script).contains("--partitions \"${NLI_PARTITIONS:-3}\"", "--if-not-exists");
        assertThat(script)
                .contains(
                        "${NLI_TOPICS_PAIRS:-nli.pairs}",
                        "${NLI_TOPICS_CLASSIFICATIONS:-nli.classifications}",
                        "${NLI_TOPICS_DLQ:-nli.pairs.dlq}",
                        "${NLI_TOPICS_CONTROL:-nli.control}");
    }

    @Test
    void streamerUsesTheContractEnvironmentAndAHardenedContainer() {
        JsonNode streamer = service("streamer");
        JsonNode env = streamer.path("environment");

        assertThat(iterable(env.fieldNames()))
                .allMatch(
                        name -> STREAMER_ENV.contains(name) || RUNTIME_ENV.contains(name),
                        "a name of the streamer contract");
        assertThat(env.path("KAFKA_BOOTSTRAP_SERVERS").asText()).isEqualTo("kafka:9092");
        assertThat(env.path("NLI_BUNDLE_PATH").asText()).isEqualTo(BUNDLE_PATH);
        assertThat(env.path("KAFKA_STREAMS_STATE_DIR").asText()).isEqualTo(STATE_DIR);
        assertThat(texts(streamer.path("volumes")))
                .contains("${NLI_BUNDLE_DIR:-./trainer/target/demo-bundle}:" + BUNDLE_PATH + ":ro")
                .contains("streamer-state:" + STATE_DIR);
        assertThat(texts(streamer.path("ports"))).containsExactly("${NLI_HTTP_PORT:-8080}:" + HTTP_PORT);
        assertThat(streamer.path("read_only").asBoolean()).isTrue();
        assertThat(texts(streamer.path("tmpfs"))).singleElement().satisfies(tmp -> {
            assertThat(tmp).startsWith("/tmp:");
            assertThat(tmp.split(":")[1].split(","))
                    .as("native libraries load from /tmp")
                    .contains("exec");
        });
        assertThat(streamer.path("user").asText()).isEqualTo("1001:1001");
        assertThat(texts(streamer.path("cap_drop"))).containsExactly("ALL");
        assertThat(streamer.path("depends_on")
                        .path("kafka-init")
                        .path("condition")
                        .asText())
                .isEqualTo("service_completed_successfully");
        assertThat(Files.isRegularFile(RepoPaths.resolve(
                        streamer.path("build").path("dockerfile").asText())))
                .isTrue();
    }

    @Test
    void demoProducerPublishesTheSamplePairsToThePairsTopic() {
        JsonNode producer = service("demo-producer");

        assertThat(producer.path("image").asText()).isEqualTo("apache/kafka:4.1.2");
        assertThat(texts(producer.path("volumes")))
                .containsExactly("./streamer/src/main/resources/demo/pairs.jsonl:/demo/pairs.jsonl:ro");
        assertThat(texts(producer.path("command")).get(0))
                .contains(
                        "kafka-console-producer.sh",
                        "--topic \"${NLI_TOPICS_PAIRS:-nli.pairs}\"",
                        "< /demo/pairs.jsonl");
    }

    @Test
    void kafkaUiAndTheMonitoringStackOnlyRunWithTheirProfiles() {
        List<String> withProfiles = new ArrayList<>();
        COMPOSE.path("services").fields().forEachRemaining(e -> {
            if (e.getValue().has("profiles")) {
                withProfiles.add(e.getKey());
            }
        });

        assertThat(withProfiles).containsExactlyInAnyOrder("kafka-ui", "prometheus", "grafana");
        assertThat(texts(service("kafka-ui").path("profiles"))).containsExactly("ui");
        assertThat(service("kafka-ui")
                        .path("environment")
                        .path("KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS")
                        .asText())
                .isEqualTo("kafka:9092");
    }

    @Test
    void monitoringProfileScrapesTheStreamersMetricsEndpoint() {
        JsonNode prometheus = service("prometheus");
        String config = texts(prometheus.path("command")).stream()
                .filter(a -> a.startsWith("--config.file="))
                .findFirst()
                .orElseThrow()
                .substring("--config.file=".length());
        String mounted = hostPathOf(prometheus, config);
        JsonNode scrape = ComposeFiles.read(mounted).path("scrape_configs").get(0);

        assertThat(texts(prometheus.path("profiles"))).containsExactly("monitoring");
        assertThat(scrape.path("metrics_path").asText()).isEqualTo(METRICS);
        assertThat(texts(scrape.path("static_configs").get(0).path("targets")))
                .containsExactly("streamer:" + HTTP_PORT);
        assertThat(COMPOSE.path("services").has("streamer")).isTrue();
        assertThat(texts(prometheus.path("ports"))).containsExactly("${PROMETHEUS_PORT:-9090}:9090");
    }

    @Test
    void monitoringProfileProvisionsGrafanaWithThePrometheusSourceAndTheChartsDashboard() {
        JsonNode grafana = service("grafana");
        String provisioning = hostPathOf(grafana, "/etc/grafana/provisioning");
        JsonNode datasource = ComposeFiles.read(provisioning + "/datasources/prometheus.yml")
                .path("datasources")
                .get(0);
        JsonNode provider = ComposeFiles.read(provisioning + "/dashboards/nli-stream.yml")
                .path("providers")
                .get(0);
        String dashboards = provider.path("options").path("path").asText();
        String home = grafana.path("environment")
                .path("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")
                .asText();

        assertThat(texts(grafana.path("profiles"))).containsExactly("monitoring");
        assertThat(datasource.path("type").asText()).isEqualTo("prometheus");
        assertThat(datasource.path("url").asText()).as("the prometheus service").isEqualTo("http://prometheus:9090");
        assertThat(provider.path("type").asText()).isEqualTo("file");
        assertThat(hostPathOf(grafana, dashboards))
                .as("one copy of the dashboard: the chart's")
                .isEqualTo("./helm/nli-streamer/dashboards");
        assertThat(home).startsWith(dashboards + "/");
        assertThat(RepoPaths.resolve("helm/nli-streamer/dashboards" + home.substring(dashboards.length())))
                .isRegularFile();
    }

    /** The host side of the bind mount whose container side is {@code target}; the host file must exist. */
    private static String hostPathOf(JsonNode service, String target) {
        String host = texts(service.path("volumes")).stream()
                .map(v -> v.split(":"))
                .filter(v -> v.length >= 2 && v[1].equals(target))
                .map(v -> v[0])
                .findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at " + target + " in " + service));
        assertThat(Files.exists(RepoPaths.resolve(host))).as(host).isTrue();
        return host;
    }

    @Test
    void gpuOverrideReservesAnNvidiaDeviceAndUsesTheCudaImage() {
        JsonNode streamer = GPU.path("services").path("streamer");
        JsonNode device = streamer.path("deploy")
                .path("resources")
                .path("reservations")
                .path("devices")
                .get(0);

        assertThat(iterable(GPU.path("services").fieldNames())).containsExactly("streamer");
        assertThat(device.path("driver").asText()).isEqualTo("nvidia");
        assertThat(texts(device.path("capabilities"))).containsExactly("gpu");
        assertThat(device.path("count").asInt()).isEqualTo(1);
        assertThat(streamer.path("build").path("dockerfile").asText()).isEqualTo("docker/streamer-gpu.Dockerfile");
        assertThat(streamer.path("environment").path("NLI_INFERENCE_PROVIDER").asText())
                .contains("cuda");
        assertThat(streamer.path("image").asText()).endsWith("-gpu");
    }

    private static <T> List<T> iterable(java.util.Iterator<T> iterator) {
        Iterable<T> it = () -> iterator;
        return StreamSupport.stream(it.spliterator(), false).toList();
    }
}
