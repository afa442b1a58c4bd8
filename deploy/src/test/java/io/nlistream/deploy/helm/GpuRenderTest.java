package io.nlistream.deploy.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.Test;

class GpuRenderTest {

    @Test
    void gpuToggleRequestsTheDevicePluginResourceAndTheGpuImage() {
        Rendered rendered = HelmChart.withDefaults().set("gpu.enabled", true).render();
        Container streamer = rendered.streamer();
        PodSpec pod = rendered.deployment().getSpec().getTemplate().getSpec();

        assertThat(streamer.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));
        assertThat(streamer.getResources().getLimits()).containsEntry("memory", new Quantity("4Gi"));
        assertThat(streamer.getImage()).isEqualTo("ghcr.io/nli-stream/nli-streamer:0.1.0-gpu");
        assertThat(pod.getTolerations()).anySatisfy(t -> {
            assertThat(t.getKey()).isEqualTo("nvidia.com/gpu");
            assertThat(t.getEffect()).isEqualTo("NoSchedule");
        });
    }

    @Test
    void gpuCountResourceNameAndRuntimeClassAreValues() {
        Rendered rendered = HelmChart.withDefaults()
                .set("gpu.enabled", true)
                .set("gpu.count", 2)
                .set("gpu.resourceName", "nvidia.com/mig-3g.40gb")
                .set("gpu.runtimeClassName", "nvidia")
                .set("inference.provider", "cuda")
                .render();

        assertThat(rendered.streamer().getResources().getLimits())
                .containsEntry("nvidia.com/mig-3g.40gb", new Quantity("2"))
                .doesNotContainKey("nvidia.com/gpu");
        assertThat(rendered.deployment().getSpec().getTemplate().getSpec().getRuntimeClassName())
                .isEqualTo("nvidia");
        assertThat(rendered.env("NLI_INFERENCE_PROVIDER")).contains("cuda");
    }
}
