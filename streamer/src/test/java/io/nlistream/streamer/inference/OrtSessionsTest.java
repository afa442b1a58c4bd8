package io.nlistream.streamer.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nlistream.schemas.bundle.BundleManifest;
import io.nlistream.schemas.bundle.BundleVerifier;
import io.nlistream.streamer.support.TestBundles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
            OrtSessions.Opened cuda =
                    OrtSessions.open(dir, manifest, new SessionSettings(ExecutionProvider.CUDA, 0, 0, "auto", 0));
            cudaOutcome = cuda.provider();
            cuda.session().close();
        } catch (IllegalStateException e) {
            assertThat(e).hasMessageContaining("nli.inference.provider=cuda").hasMessageContaining("auto or cpu");
            cudaOutcome = "cpu";
        }
        OrtSessions.Opened auto =
                OrtSessions.open(dir, manifest, new SessionSettings(ExecutionProvider.AUTO, 0, 0, "auto", 0));
        assertThat(auto.provider()).isEqualTo(cudaOutcome);
        assertThat(auto.variant().precision()).isEqualTo("fp32");
        auto.session().close();

        OrtSessions.Opened cpu =
                OrtSessions.open(dir, manifest, new SessionSettings(ExecutionProvider.CPU, 1, 1, "fp32", 0));
        assertThat(cpu.provider()).isEqualTo("cpu");
        cpu.session().close();
    }

    @Test
    void aMissingVariantOrAnUnknownSettingIsRefusedWithTheFix() throws Exception {
        Path dir = TestBundles.tiny(tmp.resolve("b"), "1");
        BundleManifest manifest = BundleVerifier.verify(dir);
        assertThatThrownBy(() ->
                        OrtSessions.open(dir, manifest, new SessionSettings(ExecutionProvider.CPU, 0, 0, "int8", 0)))
                .hasMessageContaining("has no int8 ONNX variant")
                .hasMessageContaining("nli.inference.precision=auto");
        assertThatThrownBy(() -> ExecutionProvider.fromId("tpu")).hasMessageContaining("use auto, cuda or cpu");
        assertThatThrownBy(() -> new SessionSettings(ExecutionProvider.CPU, 0, 0, "bf16", 0))
                .hasMessageContaining("fp32");
    }

    @Test
    void autoTakesInt8OnCpuOnlyWhenItsRecordedAgreementReachesTheThreshold() throws Exception {
        BundleManifest manifest = BundleVerifier.verify(TestBundles.tiny(tmp.resolve("b"), "1"));
        assertThat(OrtSessions.variant(withInt8(manifest, 0.995), "auto", "cpu").precision())
                .isEqualTo("int8");
        assertThat(OrtSessions.variant(withInt8(manifest, 0.98), "auto", "cpu").precision())
                .isEqualTo("fp32");
        assertThat(OrtSessions.variant(withInt8(manifest, null), "auto", "cpu").precision())
                .isEqualTo("fp32");
        assertThat(OrtSessions.variant(withInt8(manifest, 0.995), "auto", "cuda")
                        .precision())
                .as("no fp16 variant: CUDA serves fp32, never int8")
                .isEqualTo("fp32");
        assertThat(OrtSessions.variant(withInt8(manifest, 0.5), "int8", "cpu").precision())
                .as("an explicit precision is served as asked")
                .isEqualTo("int8");
    }

    @Test
    void threadsAreSetPerProviderAndModelSizeUnlessConfigured() {
        int cores = Runtime.getRuntime().availableProcessors();
        int workers = Math.min(2, cores);
        long large = OrtSessions.SMALL_MODEL_BYTES;
        long small = OrtSessions.SMALL_MODEL_BYTES - 1;
        assertThat(OrtSessions.threads(new SessionSettings(ExecutionProvider.AUTO, 0, 0, "auto", 0), "cpu", large))
                .as("CPU: two workers sharing the cores, workers x threads = cores")
                .isEqualTo(new OrtSessions.Threads(workers, Math.max(1, cores / workers), 1));
        assertThat(OrtSessions.threads(new SessionSettings(ExecutionProvider.AUTO, 0, 0, "auto", 1), "cpu", large))
                .as("one configured worker gets every core")
                .isEqualTo(new OrtSessions.Threads(1, cores, 1));
        assertThat(OrtSessions.threads(new SessionSettings(ExecutionProvider.AUTO, 0, 0, "auto", 1), "cpu", small))
                .as("a small model's ops run on the worker's own thread, whatever the cores")
                .isEqualTo(new OrtSessions.Threads(1, 1, 1));
        assertThat(OrtSessions.threads(new SessionSettings(ExecutionProvider.CPU, 2, 0, "auto", 1), "cpu", small))
                .as("configured intra-op threads win over the small-model default")
                .isEqualTo(new OrtSessions.Threads(1, 2, 1));
        assertThat(OrtSessions.threads(new SessionSettings(ExecutionProvider.AUTO, 0, 0, "auto", 0), "cuda", large))
                .isEqualTo(new OrtSessions.Threads(2, 1, 1));
        assertThat(OrtSessions.workers(new SessionSettings(ExecutionProvider.AUTO, 0, 0, "auto", 0), "cpu"))
                .isEqualTo(workers);
        assertThat(OrtSessions.threads(new SessionSettings(ExecutionProvider.CPU, 3, 2, "auto", 4), "cpu", large))
                .isEqualTo(new OrtSessions.Threads(4, 3, 2));
        assertThatThrownBy(() -> new SessionSettings(ExecutionProvider.CPU, 0, 0, "auto", -1))
                .hasMessageContaining("NLI_INFERENCE_WORKERS");
    }

    @Test
    void subBatchOverheadIsPerProviderUnlessConfigured() {
        assertThat(OrtSessions.subBatchOverheadTokens(0, "cpu")).isEqualTo(32);
        assertThat(OrtSessions.subBatchOverheadTokens(0, "cuda")).isEqualTo(256);
        assertThat(OrtSessions.subBatchOverheadTokens(100_000, "cuda")).isEqualTo(100_000);
        assertThat(OrtSessions.subBatchOverheadTokens(48, "cpu")).isEqualTo(48);
    }

    private static BundleManifest withInt8(BundleManifest m, Double agreement) {
        List<BundleManifest.Variant> variants = new ArrayList<>(m.onnx().variants());
        variants.add(new BundleManifest.Variant("model.int8.onnx", "int8", 0.1, 0.01, agreement, 64));
        BundleManifest.Onnx onnx = new BundleManifest.Onnx(
                m.onnx().inputs(),
                m.onnx().outputs(),
                m.onnx().opset(),
                m.onnx().irVersion(),
                variants);
        return new BundleManifest(
                m.formatVersion(),
                m.name(),
                m.version(),
                m.architecture(),
                m.baseModel(),
                m.labels(),
                m.maxLength(),
                m.truncation(),
                m.padId(),
                m.tokenizer(),
                onnx,
                m.training(),
                m.metrics(),
                m.files(),
                m.createdAt(),
                m.calibration());
    }
}
