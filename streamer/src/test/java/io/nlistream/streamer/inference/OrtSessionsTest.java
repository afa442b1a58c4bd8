package io.nlistream.streamer.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nlistream.schemas.bundle.BundleManifest;
import io.nlistream.schemas.bundle.BundleVerifier;
import io.nlistream.streamer.support.TestBundles;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Provider choice: auto takes whatever cuda would give and falls back to CPU; cuda never silently runs on CPU. */
class OrtSessionsTest {
    @TempDir
    Path tmp;

    @Test
    void autoFallsBackToCpuExactlyWhenCudaCannotStart() throws Exception {
        Path dir = TestBundles.tiny(tmp.resolve("b"), "1");
        BundleManifest manifest = BundleVerifier.verify(dir);
        String cudaOutcome;
        try {
            OrtSessions.Opened cuda = OrtSessions.open(dir, manifest, new SessionSettings(ExecutionProvider.CUDA, 0, 0, "auto"));
            cudaOutcome = cuda.provider();
            cuda.session().close();
        } catch (IllegalStateException e) {
            assertThat(e).hasMessageContaining("nli.inference.provider=cuda").hasMessageContaining("auto or cpu");
            cudaOutcome = "cpu";
        }
        OrtSessions.Opened auto = OrtSessions.open(dir, manifest, new SessionSettings(ExecutionProvider.AUTO, 0, 0, "auto"));
        assertThat(auto.provider()).isEqualTo(cudaOutcome);
        assertThat(auto.variant().precision()).isEqualTo("fp32");
        auto.session().close();

        OrtSessions.Opened cpu = OrtSessions.open(dir, manifest, new SessionSettings(ExecutionProvider.CPU, 1, 1, "fp32"));
        assertThat(cpu.provider()).isEqualTo("cpu");
        cpu.session().close();
    }

    @Test
    void aMissingVariantOrAnUnknownSettingIsRefusedWithTheFix() throws Exception {
        Path dir = TestBundles.tiny(tmp.resolve("b"), "1");
        BundleManifest manifest = BundleVerifier.verify(dir);
        assertThatThrownBy(() -> OrtSessions.open(dir, manifest, new SessionSettings(ExecutionProvider.CPU, 0, 0, "int8")))
                .hasMessageContaining("has no int8 ONNX variant").hasMessageContaining("nli.inference.precision=auto");
        assertThatThrownBy(() -> ExecutionProvider.fromId("tpu")).hasMessageContaining("use auto, cuda or cpu");
        assertThatThrownBy(() -> new SessionSettings(ExecutionProvider.CPU, 0, 0, "bf16")).hasMessageContaining("fp32");
    }
}
