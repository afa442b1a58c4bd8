package io.nlistream.deploy.helm;

import static io.nlistream.deploy.StreamerContract.BUNDLE_PATH;
import static io.nlistream.deploy.StreamerContract.HEALTH_LIVE;
import static io.nlistream.deploy.StreamerContract.HEALTH_READY;
import static io.nlistream.deploy.StreamerContract.HEALTH_STARTED;
import static io.nlistream.deploy.StreamerContract.HTTP_PORT;
import static io.nlistream.deploy.StreamerContract.RUNTIME_ENV;
import static io.nlistream.deploy.StreamerContract.STATE_DIR;
import static io.nlistream.deploy.StreamerContract.STREAMER_ENV;
import static io.nlistream.deploy.StreamerContract.UID;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DefaultRenderTest {
    private static Rendered rendered;

    @BeforeAll
    static void render() {
        rendered = HelmChart.withDefaults().render();
    }

    @Test
    void rendersTheCoreObjectsOnly() {
        assertThat(rendered.kinds())
                .containsExactlyInAnyOrder(
                        "ServiceAccount", "ConfigMap", "Service", "Deployment", "PodDisruptionBudget");
    }

    @Test
    void cpuByDefault() {
        Container streamer = rendered.streamer();

        assertThat(streamer.getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
        assertThat(streamer.getResources().getRequests()).doesNotContainKey("nvidia.com/gpu");
        assertThat(streamer.getImage()).doesNotEndWith("-gpu");
        assertThat(rendered.deployment().getSpec().getTemplate().getSpec().getTolerations())
                .isNullOrEmpty();
    }

    @Test
    void probesUseTheStreamersHealthEndpoints() {
        Container streamer = rendered.streamer();

        assertHttpProbe(streamer.getStartupProbe(), HEALTH_STARTED);
        assertHttpProbe(streamer.getReadinessProbe(), HEALTH_READY);
        assertHttpProbe(streamer.getLivenessProbe(), HEALTH_LIVE);
        assertThat(streamer.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("http");
            assertThat(p.getContainerPort()).isEqualTo(HTTP_PORT);
        });
    }

    private static void assertHttpProbe(Probe probe, String path) {
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        assertThat(probe.getHttpGet().getPort()).isEqualTo(new IntOrString("http"));
    }

    @Test
    void runsNonRootOnAReadOnlyRootFilesystemWithoutCapabilities() {
        PodSpec pod = rendered.deployment().getSpec().getTemplate().getSpec();
        Container streamer = rendered.streamer();

        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(UID);
        assertThat(streamer.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(streamer.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(streamer.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(streamer.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(streamer.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    }

    @Test
    void writablePathsAreEmptyDirsAndTheBundleIsAReadOnlyClaim() {
        PodSpec pod = rendered.deployment().getSpec().getTemplate().getSpec();
        Map<String, Volume> volumes =
                pod.getVolumes().stream().collect(Collectors.toMap(Volume::getName, Function.identity()));
        Map<String, VolumeMount> mounts = rendered.streamer().getVolumeMounts().stream()
                .collect(Collectors.toMap(VolumeMount::getMountPath, Function.identity()));

        assertThat(volumes.get(mounts.get("/tmp").getName()).getEmptyDir()).isNotNull();
        assertThat(volumes.get(mounts.get(STATE_DIR).getName()).getEmptyDir()).isNotNull();
        VolumeMount bundle = mounts.get(BUNDLE_PATH);
        assertThat(bundle.getReadOnly()).isTrue();
        assertThat(volumes.get(bundle.getName()).getPersistentVolumeClaim().getClaimName())
                .isEqualTo("nli-bundle");
        assertThat(rendered.env("KAFKA_STREAMS_STATE_DIR")).contains(STATE_DIR);
        assertThat(rendered.env("NLI_BUNDLE_PATH")).contains(BUNDLE_PATH);
    }

    @Test
    void environmentUsesTheContractNamesAndValues() {
        assertThat(rendered.environment().getData().keySet())
                .allMatch(
                        name -> STREAMER_ENV.contains(name) || RUNTIME_ENV.contains(name),
                        "a name of the streamer contract");
        assertThat(rendered.env("KAFKA_BOOTSTRAP_SERVERS")).contains("kafka:9092");
        assertThat(rendered.env("KAFKA_SECURITY_PROTOCOL")).contains("PLAINTEXT");
        assertThat(rendered.env("NLI_TOPICS_PAIRS")).contains("nli.pairs");
        assertThat(rendered.env("NLI_TOPICS_CLASSIFICATIONS")).contains("nli.classifications");
        assertThat(rendered.env("NLI_TOPICS_DLQ")).contains("nli.pairs.dlq");
        assertThat(rendered.env("NLI_TOPICS_CONTROL")).contains("nli.control");
        assertThat(rendered.env("NLI_APPLICATION_ID")).contains("nli-streamer");
        assertThat(rendered.env("NLI_BATCH_MAX_SIZE")).contains("32");
        assertThat(rendered.env("NLI_BATCH_MAX_DELAY")).contains("10ms");
        assertThat(rendered.env("NLI_BATCH_MAX_TOKENS")).contains("8192");
        assertThat(rendered.env("NLI_BATCH_SUB_BATCH_OVERHEAD_TOKENS")).contains("0");
        assertThat(rendered.env("NLI_COMMIT_WHEN_DRAINED")).contains("true");
        assertThat(rendered.env("NLI_COMMIT_MIN_SPACING")).contains("20ms");
        assertThat(rendered.env("NLI_INFERENCE_PROVIDER")).contains("auto");
        assertThat(rendered.env("KAFKA_SASL_JAAS_CONFIG")).isEmpty();
    }

    @Test
    void batchingAndTopicsFollowTheValues() {
        Rendered custom = HelmChart.withDefaults()
                .set("topics.pairs", "fr.nli.in")
                .set("batch.maxSize", 64)
                .set("batch.maxDelay", "25ms")
                .set("batch.maxTokens", 16384)
                .set("batch.subBatchOverheadTokens", 100000)
                .set("commit.whenDrained", false)
                .set("commit.minSpacing", "50ms")
                .set("numStreamThreads", 2)
                .render();

        assertThat(custom.env("NLI_TOPICS_PAIRS")).contains("fr.nli.in");
        assertThat(custom.env("NLI_BATCH_MAX_SIZE")).contains("64");
        assertThat(custom.env("NLI_BATCH_MAX_DELAY")).contains("25ms");
        assertThat(custom.env("NLI_BATCH_MAX_TOKENS")).contains("16384");
        assertThat(custom.env("NLI_BATCH_SUB_BATCH_OVERHEAD_TOKENS")).contains("100000");
        assertThat(custom.env("NLI_COMMIT_WHEN_DRAINED")).contains("false");
        assertThat(custom.env("NLI_COMMIT_MIN_SPACING")).contains("50ms");
        assertThat(custom.env("NUM_STREAM_THREADS")).contains("2");
        assertThat(custom.deployment()
                        .getSpec()
                        .getTemplate()
                        .getMetadata()
                        .getAnnotations()
                        .get("checksum/config"))
                .as("a config change rolls the pods")
                .isNotEqualTo(rendered.deployment()
                        .getSpec()
                        .getTemplate()
                        .getMetadata()
                        .getAnnotations()
                        .get("checksum/config"));
    }

    @Test
    void serviceExposesHttpAndMetricsOnTheContainerPort() {
        Service service = rendered.one(Service.class);

        ServicePort port = service.getSpec().getPorts().get(0);
        assertThat(port.getName()).isEqualTo("http");
        assertThat(port.getTargetPort()).isEqualTo(new IntOrString("http"));
        assertThat(service.getSpec().getSelector())
                .isEqualTo(rendered.deployment().getSpec().getSelector().getMatchLabels());
    }

    @Test
    void disruptionBudgetCoversThePods() {
        PodDisruptionBudget pdb = rendered.one(PodDisruptionBudget.class);

        assertThat(pdb.getSpec().getSelector().getMatchLabels())
                .isEqualTo(rendered.deployment().getSpec().getSelector().getMatchLabels());
        assertThat(pdb.getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(1));
        assertThat(pdb.getSpec().getMinAvailable()).isNull();
    }

    @Test
    void schedulingKnobsReachThePod() {
        PodSpec pod = HelmChart.withDefaults()
                .set("nodeSelector.nli-stream/pool", "inference")
                .set("tolerations[0].key", "dedicated")
                .set("tolerations[0].operator", "Equal")
                .set("tolerations[0].value", "nli")
                .set("tolerations[0].effect", "NoSchedule")
                .set("affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight", 100)
                .set(
                        "affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]"
                                + ".podAffinityTerm.topologyKey",
                        "kubernetes.io/hostname")
                .render()
                .deployment()
                .getSpec()
                .getTemplate()
                .getSpec();

        assertThat(pod.getNodeSelector()).containsEntry("nli-stream/pool", "inference");
        assertThat(pod.getTolerations())
                .singleElement()
                .satisfies(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
        assertThat(pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
                .singleElement()
                .satisfies(
                        t -> assertThat(t.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname"));
    }

    @Test
    void bundleFromAnInitContainerIsCopiedIntoAnEmptyDir() {
        Rendered fromImage = HelmChart.withDefaults()
                .set("bundle.source", "initContainer")
                .set("bundle.initContainer.image.repository", "registry.example/nli-bundle")
                .set("bundle.initContainer.image.tag", "camemberta-v3")
                .render();
        PodSpec pod = fromImage.deployment().getSpec().getTemplate().getSpec();

        Container init = pod.getInitContainers().get(0);
        assertThat(init.getImage()).isEqualTo("registry.example/nli-bundle:camemberta-v3");
        assertThat(String.join(" ", init.getCommand())).contains("/bundle/.", BUNDLE_PATH);
        assertThat(init.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        String volume = init.getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals(BUNDLE_PATH))
                .findFirst()
                .orElseThrow()
                .getName();
        assertThat(pod.getVolumes())
                .filteredOn(v -> v.getName().equals(volume))
                .singleElement()
                .satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
        assertThat(fromImage.streamer().getVolumeMounts())
                .filteredOn(m -> m.getMountPath().equals(BUNDLE_PATH))
                .singleElement()
                .satisfies(m -> assertThat(m.getName()).isEqualTo(volume));
    }

    @Test
    void bakedBundleMountsNothingOverTheImagesCopy() {
        Rendered baked = HelmChart.withDefaults().set("bundle.source", "image").render();

        assertThat(baked.streamer().getVolumeMounts())
                .noneMatch(m -> m.getMountPath().equals(BUNDLE_PATH));
        assertThat(baked.deployment().getSpec().getTemplate().getSpec().getInitContainers())
                .isNullOrEmpty();
        assertThat(baked.env("NLI_BUNDLE_PATH")).contains(BUNDLE_PATH);
    }

    @Test
    void extraPropertiesAreMountedWhereQuarkusReadsThem() {
        Rendered withConfig = HelmChart.withDefaults()
                .set("config.quarkus\\.log\\.level", "DEBUG")
                .render();

        assertThat(withConfig.text()).contains("quarkus.log.level=DEBUG");
        assertThat(withConfig.streamer().getVolumeMounts())
                .anyMatch(m -> m.getMountPath().equals("/app/config"));
    }
}
