package io.nlistream.trainer.bundle;

import io.nlistream.schemas.Json;
import io.nlistream.schemas.bundle.BundleManifest;
import io.nlistream.schemas.bundle.BundleVerifier;
import io.nlistream.schemas.bundle.Sha256;
import io.nlistream.trainer.onnx.TemperatureScaling;
import io.nlistream.trainer.onnx.proto.Onnx.ModelProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * Recalibrates an existing bundle into a new directory: every ONNX variant's probabilities output gets the new
 * temperature (logits untouched), the manifest records it and new checksums, and the copy is verified as the streamer
 * will before it is renamed into place. The source bundle is never modified (a streamer may be serving it).
 */
public final class BundleCalibration {
    private BundleCalibration() {}

    public static BundleManifest write(
            Path bundle, Path outDir, String version, BundleManifest.Calibration calibration, boolean replace)
            throws IOException {
        BundleManifest m = BundleVerifier.verify(bundle);
        Path out = outDir.toAbsolutePath().normalize();
        if (out.equals(bundle.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("--out must differ from the bundle: a calibrated copy is written beside"
                    + " it so a streamer serving the original never sees a half-written bundle");
        }
        if (Files.exists(out) && !replace) {
            throw new IllegalArgumentException(out + " already exists; choose another --out or pass --force");
        }
        Path partial = out.resolveSibling(out.getFileName() + ".partial");
        BundleFiles.deleteTree(partial);
        try {
            BundleFiles.copyTree(bundle, Files.createDirectories(partial));
            for (BundleManifest.Variant v : m.onnx().variants()) {
                Path file = partial.resolve(v.file());
                ModelProto scaled = TemperatureScaling.apply(
                        ModelProto.parseFrom(Files.readAllBytes(file)), calibration.temperature());
                Files.write(file, scaled.toByteArray());
            }
            Map<String, String> files = new TreeMap<>();
            for (String f : m.files().keySet()) {
                files.put(f, Sha256.ofFile(partial.resolve(f)));
            }
            BundleManifest calibrated = new BundleManifest(
                    m.formatVersion(),
                    m.name(),
                    version,
                    m.architecture(),
                    m.baseModel(),
                    m.labels(),
                    m.maxLength(),
                    m.truncation(),
                    m.padId(),
                    m.tokenizer(),
                    m.onnx(),
                    m.training(),
                    m.metrics(),
                    files,
                    m.createdAt(),
                    calibration);
            Json.mapper()
                    .writerWithDefaultPrettyPrinter()
                    .writeValue(partial.resolve(BundleManifest.FILE_NAME).toFile(), calibrated);
            BundleVerifier.verify(partial);
            BundleFiles.deleteTree(out);
            Files.move(partial, out, StandardCopyOption.ATOMIC_MOVE);
            return BundleVerifier.verify(out);
        } finally {
            BundleFiles.deleteTree(partial);
        }
    }
}
