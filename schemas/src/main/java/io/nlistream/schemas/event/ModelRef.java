package io.nlistream.schemas.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.nlistream.schemas.bundle.BundleManifest;

/**
 * Which bundle produced a classification: its manifest name and version, the sha256 of its fp32 ONNX file and, when the
 * bundle is calibrated, the calibration its probabilities carry (absent: raw softmax, T = 1).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelRef(String name, String version, String sha256, Calibration calibration) {

    public ModelRef(String name, String version, String sha256) {
        this(name, version, sha256, null);
    }

    /** The calibration applied to the event's probabilities: {@code method} "temperature", softmax(logits / T). */
    public record Calibration(String method, double temperature) {
        /** The manifest's calibration as events name it, or null for an uncalibrated bundle. */
        public static Calibration of(BundleManifest manifest) {
            BundleManifest.Calibration c = manifest.calibration();
            return c == null ? null : new Calibration(c.method(), c.temperature());
        }
    }
}
