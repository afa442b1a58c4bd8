package io.nlistream.schemas.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.Labels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleVerifierTest {
    @TempDir
    Path dir;

    private BundleManifest writeBundle(List<String> labels) throws Exception {
        Files.writeString(dir.resolve("model.onnx"), "onnx-bytes");
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        Map<String, String> files = new TreeMap<>();
        files.put("model.onnx", Sha256.ofFile(dir.resolve("model.onnx")));
        files.put("tokenizer.json", Sha256.ofFile(dir.resolve("tokenizer.json")));
        BundleManifest m = new BundleManifest(
                1,
                "camemberta-xnli",
                "1.0.0",
                "deberta-v2",
                "almanach/camemberta-base",
                labels,
                128,
                "longest_first",
                32002,
                new BundleManifest.Tokenizer("tokenizer.json", null),
                new BundleManifest.Onnx(
                        List.of("input_ids", "attention_mask"),
                        List.of("logits", "probabilities"),
                        20,
                        10,
                        List.of(new BundleManifest.Variant("model.onnx", "fp32", 3e-6, null, null, 64))),
                null,
                null,
                files,
                Instant.parse("2026-11-26T12:00:00Z"),
                null);
        Json.mapper().writeValue(dir.resolve(BundleManifest.FILE_NAME).toFile(), m);
        return m;
    }

    @Test
    void validBundleIsAccepted() throws Exception {
        BundleManifest written = writeBundle(Labels.CONTRACT);
        BundleManifest read = BundleVerifier.verify(dir);
        assertThat(read).isEqualTo(written);
        assertThat(read.variant("fp32")).isPresent();
        assertThat(read.variant("int8")).isEmpty();
    }

    @Test
    void bundleWithoutCalibrationLoadsAsTemperatureOne() throws Exception {
        writeBundle(Labels.CONTRACT);
        String json = Files.readString(dir.resolve(BundleManifest.FILE_NAME));
        assertThat(json).doesNotContain("calibration");
        BundleManifest read = BundleVerifier.verify(dir);
        assertThat(read.calibration()).isNull();
        assertThat(read.temperature()).isEqualTo(1.0);
    }

    @Test
    void calibratedBundleRoundTripsAndValidates() throws Exception {
        BundleManifest plain = writeBundle(Labels.CONTRACT);
        BundleManifest.Calibration c = new BundleManifest.Calibration(
                BundleManifest.TEMPERATURE_SCALING,
                1.7,
                "xnli-fr-validation.tsv",
                2490L,
                new BundleManifest.CalibrationMetrics(0.08, 0.61, 0.33, 0.87),
                new BundleManifest.CalibrationMetrics(0.02, 0.45, 0.30, 0.87));
        BundleManifest calibrated = new BundleManifest(
                plain.formatVersion(),
                plain.name(),
                plain.version(),
                plain.architecture(),
                plain.baseModel(),
                plain.labels(),
                plain.maxLength(),
                plain.truncation(),
                plain.padId(),
                plain.tokenizer(),
                plain.onnx(),
                null,
                null,
                plain.files(),
                plain.createdAt(),
                c);
        Json.mapper().writeValue(dir.resolve(BundleManifest.FILE_NAME).toFile(), calibrated);
        BundleManifest read = BundleVerifier.verify(dir);
        assertThat(read).isEqualTo(calibrated);
        assertThat(read.temperature()).isEqualTo(1.7);

        ObjectNode node = (ObjectNode)
                Json.mapper().readTree(dir.resolve(BundleManifest.FILE_NAME).toFile());
        ((ObjectNode) node.get("calibration")).put("temperature", -1);
        Json.mapper().writeValue(dir.resolve(BundleManifest.FILE_NAME).toFile(), node);
        assertThatThrownBy(() -> BundleVerifier.verify(dir)).hasMessageContaining("calibration");
    }

    @Test
    void tamperedFileIsRefusedWithItsName() throws Exception {
        writeBundle(Labels.CONTRACT);
        Files.writeString(dir.resolve("model.onnx"), "other-bytes", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> BundleVerifier.verify(dir))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("model.onnx has sha256")
                .hasMessageContaining("but the manifest says");
    }

    @Test
    void missingFileIsRefused() throws Exception {
        writeBundle(Labels.CONTRACT);
        Files.delete(dir.resolve("tokenizer.json"));
        assertThatThrownBy(() -> BundleVerifier.verify(dir))
                .hasMessageContaining("tokenizer.json is listed in the manifest but missing");
    }

    @Test
    void manifestThatBreaksTheSchemaIsRefused() throws Exception {
        writeBundle(Labels.CONTRACT);
        ObjectNode node = (ObjectNode)
                Json.mapper().readTree(dir.resolve(BundleManifest.FILE_NAME).toFile());
        node.put("architecture", "gpt2");
        node.remove("padId");
        Json.mapper().writeValue(dir.resolve(BundleManifest.FILE_NAME).toFile(), node);
        assertThatThrownBy(() -> BundleVerifier.verify(dir))
                .hasMessageContaining("does not match nli-bundle.schema.json")
                .hasMessageContaining("architecture")
                .hasMessageContaining("padId is required but missing");
    }

    @Test
    void unknownLabelIsRefused() throws Exception {
        writeBundle(List.of("entailment", "neutral", "maybe"));
        assertThatThrownBy(() -> BundleVerifier.verify(dir)).hasMessageContaining("labels[2]");
    }

    @Test
    void unlistedVariantAndPathEscapeAreRefused() throws Exception {
        writeBundle(Labels.CONTRACT);
        ObjectNode node = (ObjectNode)
                Json.mapper().readTree(dir.resolve(BundleManifest.FILE_NAME).toFile());
        ((ObjectNode) node.get("files")).remove("model.onnx");
        ((ObjectNode) node.get("files")).put("../etc/passwd", "0".repeat(64));
        Json.mapper().writeValue(dir.resolve(BundleManifest.FILE_NAME).toFile(), node);
        assertThatThrownBy(() -> BundleVerifier.verify(dir)).hasMessageContaining("files");
    }

    @Test
    void notABundleSaysHowToMakeOne() {
        assertThatThrownBy(() -> BundleVerifier.verify(dir))
                .hasMessageContaining("has no nli-bundle.json")
                .hasMessageContaining("nli-trainer export");
        assertThatThrownBy(() -> BundleVerifier.verify(dir.resolve("nope"))).hasMessageContaining("does not exist");
    }
}
