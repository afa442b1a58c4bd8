package io.nlistream.trainer.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.Labels;
import io.nlistream.schemas.bundle.BundleManifest;
import io.nlistream.schemas.bundle.BundleVerifier;
import io.nlistream.trainer.onnx.OrtModel;
import io.nlistream.trainer.onnx.Precision;
import io.nlistream.trainer.parity.FixtureExpected;
import io.nlistream.trainer.parity.ReferenceModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleWriterTest {
    static final Path FIXTURES = Path.of(System.getProperty("nli.fixtures.dir", "../fixtures"));
    static final List<String[]> PAIRS = SamplePairs.load(null, 12);

    @TempDir
    Path tmp;

    private BundleWriter.Request request(Path model, Path out, Set<Precision> variants, ReferenceModel reference) {
        return new BundleWriter.Request(
                model,
                null,
                out,
                "test-bundle",
                "1.0.0",
                null,
                128,
                variants,
                PAIRS,
                reference,
                null,
                null,
                null,
                false,
                null);
    }

    private static BundleWriter writer() {
        return new BundleWriter(new PrintStream(new ByteArrayOutputStream()));
    }

    @Test
    void camembertaBundleHasEveryFileTheStreamerNeedsAndVerifies() throws Exception {
        Path out = tmp.resolve("bundle");
        Path report = Files.createDirectories(tmp.resolve("report"));
        Files.writeString(report.resolve("report.md"), "# report\n");
        ObjectNode metrics = Json.mapper().createObjectNode().put("accuracy", 0.5);
        BundleManifest m = writer().write(new BundleWriter.Request(
                FIXTURES.resolve("camemberta-vocab-tiny"),
                null,
                out,
                "demo",
                "1.0.0",
                "almanach/camemberta-base",
                128,
                EnumSet.of(Precision.FP16, Precision.INT8),
                PAIRS,
                null,
                null,
                metrics,
                report,
                false,
                null));

        assertThat(BundleVerifier.verify(out)).isEqualTo(m);
        assertThat(m.architecture()).isEqualTo("deberta-v2");
        assertThat(m.labels()).isEqualTo(Labels.CONTRACT);
        assertThat(m.padId()).isEqualTo(32002);
        assertThat(m.truncation()).isEqualTo("longest_first");
        assertThat(m.metrics().get("accuracy").asDouble()).isEqualTo(0.5);
        assertThat(m.files())
                .containsKeys(
                        "model.onnx",
                        "model.fp16.onnx",
                        "model.int8.onnx",
                        "tokenizer.json",
                        "tokenizer_config.json",
                        "report/report.md");
        BundleManifest.Variant fp32 = m.variant("fp32").orElseThrow();
        assertThat(fp32.maxAbsDiff()).isLessThanOrEqualTo(1e-4);
        for (String p : List.of("fp16", "int8")) {
            BundleManifest.Variant v = m.variant(p).orElseThrow();
            assertThat(v.samplePairs()).as(p).isEqualTo(64 + PAIRS.size()); // fixture rows + sample pairs
            assertThat(v.maxProbabilityDiff()).as(p).isLessThan(p.equals("fp16") ? 1e-3 : 1e-2);
            assertThat(v.argmaxAgreement()).as(p).isGreaterThanOrEqualTo(0.95);
        }
        // The written variants load and run.
        try (OrtModel ort = OrtModel.load(out.resolve("model.int8.onnx"), 1)) {
            float[][] p = ort.run(new long[] {1, 500, 2, 600, 2}, new long[] {1, 1, 1, 1, 1}, 1, 5)
                    .probabilities();
            assertThat(p[0][0] + p[0][1] + p[0][2]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
        }
        assertThat(Files.exists(tmp.resolve("bundle.partial"))).isFalse();
    }

    @Test
    void calibratedBundleAppliesTheTemperatureToProbabilitiesInEveryVariantAndKeepsLogitsRaw() throws Exception {
        Path model = FIXTURES.resolve("camembert-tiny");
        BundleManifest plain = writer().write(request(model, tmp.resolve("plain"), Set.of(), null));
        BundleManifest.CalibrationMetrics before = new BundleManifest.CalibrationMetrics(0.2, 0.9, 0.5, 0.6);
        BundleManifest.CalibrationMetrics after = new BundleManifest.CalibrationMetrics(0.05, 0.7, 0.45, 0.6);
        BundleManifest.Calibration cal = new BundleManifest.Calibration(
                BundleManifest.TEMPERATURE_SCALING, 2.5, "held-out.tsv", 100L, before, after);
        Path out = tmp.resolve("calibrated");
        BundleManifest m = writer().write(new BundleWriter.Request(
                model,
                null,
                out,
                "test-bundle",
                "1.0.0",
                null,
                128,
                EnumSet.of(Precision.FP16, Precision.INT8),
                PAIRS,
                null,
                null,
                null,
                null,
                false,
                cal));

        assertThat(plain.calibration()).isNull();
        assertThat(BundleVerifier.verify(out).calibration()).isEqualTo(cal);
        // the export check compared the calibrated probabilities with softmax(reference logits / T)
        assertThat(m.variant("fp32").orElseThrow().maxProbabilityDiff()).isLessThan(1e-5);
        long[] ids = {0, 400, 401, 2, 2, 402, 403, 2};
        long[] mask = {1, 1, 1, 1, 1, 1, 1, 1};
        try (OrtModel raw = OrtModel.load(tmp.resolve("plain").resolve("model.onnx"), 1)) {
            OrtModel.Output p = raw.run(ids, mask, 1, 8);
            for (String f : List.of("model.onnx", "model.fp16.onnx", "model.int8.onnx")) {
                try (OrtModel ort = OrtModel.load(out.resolve(f), 1)) {
                    OrtModel.Output o = ort.run(ids, mask, 1, 8);
                    float[] expected = io.nlistream.trainer.eval.Calibration.probabilities(o.logits()[0], 3, 2.5);
                    for (int j = 0; j < 3; j++) {
                        assertThat(o.probabilities()[0][j]).as(f).isCloseTo(expected[j], within(1e-5f));
                        if (f.equals("model.onnx")) {
                            assertThat(o.logits()[0][j]).as("raw logits").isCloseTo(p.logits()[0][j], within(1e-6f));
                        }
                    }
                    // flatter than the uncalibrated softmax: T > 1 lowers the top probability
                    if (f.equals("model.onnx")) {
                        assertThat(max(o.probabilities()[0])).isLessThan(max(p.probabilities()[0]));
                    }
                }
            }
        }
    }

    private static float max(float[] v) {
        float m = v[0];
        for (float x : v) {
            m = Math.max(m, x);
        }
        return m;
    }

    @Test
    void robertaBundleReadsThePadIdFromTheTokenizer() throws Exception {
        BundleManifest m =
                writer().write(request(FIXTURES.resolve("camembert-tiny"), tmp.resolve("b"), Set.of(), null));
        assertThat(m.architecture()).isEqualTo("roberta");
        assertThat(m.padId()).isEqualTo(1);
        assertThat(m.onnx().variants()).hasSize(1);
    }

    @Test
    void adapterIsMergedCheckedAgainstTheDjlModelAndShipped() throws Exception {
        Path lora = FIXTURES.resolve("lora-camembert-tiny");
        BundleManifest m = writer().write(new BundleWriter.Request(
                lora.resolve("base"),
                lora.resolve("adapter"),
                tmp.resolve("lora"),
                "lora",
                "1",
                null,
                128,
                Set.of(),
                PAIRS,
                null,
                null,
                null,
                null,
                false,
                null));
        assertThat(m.files()).containsKeys("adapter/adapter_config.json", "adapter/adapter_model.safetensors");
        BundleManifest.Variant fp32 = m.variant("fp32").orElseThrow();
        assertThat(fp32.samplePairs()).isEqualTo(PAIRS.size()); // checked on the sample pairs against the DJL model
        assertThat(fp32.maxAbsDiff()).isLessThanOrEqualTo(1e-4);
        // The adapter changed the model: the bundle's logits are the merged model's, not the base's.
        FixtureExpected e = FixtureExpected.read(lora.resolve("expected.safetensors"), "logits_merged_eval", null);
        try (OrtModel ort = OrtModel.load(tmp.resolve("lora/model.onnx"), 1)) {
            float[][] logits = ort.run(e.inputIds(), e.attentionMask(), e.rows(), e.length())
                    .logits();
            for (int i = 0; i < e.rows(); i++) {
                for (int j = 0; j < 3; j++) {
                    assertThat((double) logits[i][j])
                            .isCloseTo(e.logitRows()[i][j], org.assertj.core.data.Offset.offset(1e-4));
                }
            }
        }
    }

    @Test
    void refusesAnExportThatDoesNotReproduceItsReference() {
        ReferenceModel wrong = new ReferenceModel() {
            @Override
            public String name() {
                return "a reference that disagrees";
            }

            @Override
            public float[][] logits(long[] ids, long[] mask, int batch, int length) {
                return new float[batch][3];
            }
        };
        Path out = tmp.resolve("refused");
        Path model = FIXTURES.resolve("camembert-tiny");
        // No expected.safetensors in the check: copy the model without it so only the reference decides.
        assertThatThrownBy(
                        () -> writer().write(request(copyWithout(model, "expected.safetensors"), out, Set.of(), wrong)))
                .isInstanceOf(ExportCheckFailed.class)
                .hasMessageContaining("differs from a reference that disagrees");
        assertThat(Files.exists(out)).isFalse();
        assertThat(Files.exists(tmp.resolve("refused.partial"))).isFalse();
    }

    @Test
    void refusesACheckpointWhoseLabelsDoNotMap() throws Exception {
        Path model = copyWithout(FIXTURES.resolve("camembert-tiny"), "none");
        ObjectNode config =
                (ObjectNode) Json.mapper().readTree(model.resolve("config.json").toFile());
        config.putObject("id2label").put("0", "LABEL_0").put("1", "LABEL_1").put("2", "LABEL_2");
        Json.mapper().writeValue(model.resolve("config.json").toFile(), config);
        assertThatThrownBy(() -> writer().write(request(model, tmp.resolve("x"), Set.of(), null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("label 'LABEL_0' does not map onto the contract labels");
    }

    @Test
    void mapsLabelNamesCaseInsensitivelyInOutputOrder() {
        assertThat(LabelMapping.toContract(List.of("CONTRADICTION", "Entailment", "neutral"), "cfg"))
                .containsExactly("contradiction", "entailment", "neutral");
        assertThatThrownBy(() -> LabelMapping.toContract(List.of("entailment", "entailment", "neutral"), "cfg"))
                .hasMessageContaining("exactly the three labels");
    }

    @Test
    void refusesToOverwriteAnExistingBundleUnlessAskedTo() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("existing"));
        Files.writeString(out.resolve("keep.txt"), "x");
        assertThatThrownBy(() -> writer().write(request(FIXTURES.resolve("camembert-tiny"), out, Set.of(), null)))
                .hasMessageContaining("already exists")
                .hasMessageContaining("--force");
        assertThat(out.resolve("keep.txt")).exists();
    }

    private Path copyWithout(Path dir, String skip) throws Exception {
        Path copy = Files.createTempDirectory(tmp, "model");
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().equals(skip)) {
                    Files.copy(f, copy.resolve(f.getFileName()));
                }
            }
        }
        return copy;
    }
}
