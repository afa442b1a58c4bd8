package io.nlistream.deploy.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AutoscalingRenderTest {

    @Test
    void kedaScalesOnTheLagOfTheStreamsConsumerGroup() {
        Rendered rendered = HelmChart.withDefaults()
                .set("autoscaling.enabled", true)
                .set("autoscaling.type", "keda")
                .set("kafka.partitions", 12)
                .set("autoscaling.maxReplicas", 12)
                .set("applicationId", "nli-fr")
                .render();
        GenericKubernetesResource scaled =
                rendered.generic("keda.sh/v1alpha1", "ScaledObject").get(0);

        assertThat(rendered.deployment().getSpec().getReplicas())
                .as("the autoscaler owns replicas")
                .isNull();
        assertThat(scaled.<String>get("spec", "scaleTargetRef", "name"))
                .isEqualTo(rendered.deployment().getMetadata().getName());
        assertThat(scaled.<Number>get("spec", "maxReplicaCount").intValue()).isEqualTo(12);
        Map<String, Object> trigger =
                scaled.<List<Map<String, Object>>>get("spec", "triggers").get(0);
        assertThat(trigger).containsEntry("type", "kafka");
        @SuppressWarnings("unchecked")
        Map<String, String> metadata = (Map<String, String>) trigger.get("metadata");
        assertThat(metadata)
                .containsEntry("consumerGroup", "nli-fr")
                .containsEntry("topic", "nli.pairs")
                .containsEntry("bootstrapServers", "kafka:9092")
                .containsEntry("lagThreshold", "200")
                .containsEntry("allowIdleConsumers", "false");
        assertThat(rendered.env("NLI_APPLICATION_ID")).contains("nli-fr");
        assertThat(rendered.all(HorizontalPodAutoscaler.class)).isEmpty();
        assertThat(rendered.generic("keda.sh/v1alpha1", "TriggerAuthentication"))
                .as("plaintext Kafka needs none")
                .isEmpty();
    }

    @Test
    void hpaIsTheAlternative() {
        Rendered rendered = HelmChart.withDefaults()
                .set("autoscaling.enabled", true)
                .set("autoscaling.type", "hpa")
                .set("autoscaling.minReplicas", 2)
                .set("autoscaling.maxReplicas", 6)
                .render();
        HorizontalPodAutoscaler hpa = rendered.one(HorizontalPodAutoscaler.class);

        assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
        assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(6);
        assertThat(hpa.getSpec().getScaleTargetRef().getName())
                .isEqualTo(rendered.deployment().getMetadata().getName());
        assertThat(rendered.generic("keda.sh/v1alpha1", "ScaledObject")).isEmpty();
    }

    @Test
    void maxReplicasBeyondPartitionsIsRefusedForBothAutoscalers() {
        for (String type : List.of("keda", "hpa")) {
            assertThatThrownBy(() -> HelmChart.withDefaults()
                            .set("autoscaling.enabled", true)
                            .set("autoscaling.type", type)
                            .set("kafka.partitions", 6)
                            .set("autoscaling.maxReplicas", 7)
                            .renderText())
                    .as(type)
                    .hasMessageContaining("autoscaling.maxReplicas (7) exceeds kafka.partitions (6)");
        }
    }

    @Test
    void minAboveMaxIsRefused() {
        assertThatThrownBy(() -> HelmChart.withDefaults()
                        .set("autoscaling.enabled", true)
                        .set("autoscaling.minReplicas", 5)
                        .set("autoscaling.maxReplicas", 3)
                        .renderText())
                .hasMessageContaining("autoscaling.minReplicas (5) exceeds autoscaling.maxReplicas (3)");
    }
}
