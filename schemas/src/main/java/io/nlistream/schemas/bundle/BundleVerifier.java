package io.nlistream.schemas.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.Labels;
import io.nlistream.schemas.validation.ContractSchema;
import io.nlistream.schemas.validation.SchemaValidator;
import io.nlistream.schemas.validation.Violation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * Decides whether a bundle directory may be served: the manifest validates against {@code nli-bundle.schema.json},
 * every listed file exists and has its sha256, the tokenizer and every ONNX variant are among the listed files,
 * exactly one variant is fp32, and the labels are the contract's three. Every problem is reported at once.
 */
public final class BundleVerifier {
    private BundleVerifier() {}

    public static BundleManifest verify(Path bundleDir) {
        if (!Files.isDirectory(bundleDir)) {
            throw new BundleException("bundle directory " + bundleDir + " does not exist or is not a directory;"
                    + " point nli.bundle.path (NLI_BUNDLE_PATH) at a directory written by `nli-trainer export`");
        }
        Path manifestFile = bundleDir.resolve(BundleManifest.FILE_NAME);
        if (!Files.isRegularFile(manifestFile)) {
            throw new BundleException(bundleDir + " has no " + BundleManifest.FILE_NAME
                    + "; it is not a model bundle (build one with `nli-trainer export`)");
        }
        JsonNode node;
        try {
            node = Json.mapper().readTree(manifestFile.toFile());
        } catch (IOException e) {
            throw new BundleException(manifestFile + " is not valid JSON: " + e.getMessage(), e);
        }
        List<Violation> violations = SchemaValidator.get().validate(ContractSchema.NLI_BUNDLE, node);
        if (!violations.isEmpty()) {
            throw new BundleException(manifestFile + " does not match nli-bundle.schema.json: "
                    + String.join(
                            "; ", violations.stream().map(Violation::message).toList()));
        }
        BundleManifest manifest;
        try {
            manifest = Json.mapper().treeToValue(node, BundleManifest.class);
        } catch (IOException e) {
            throw new BundleException(manifestFile + " cannot be read: " + e.getMessage(), e);
        }
        List<String> problems = new ArrayList<>();
        if (!new HashSet<>(manifest.labels()).equals(new HashSet<>(Labels.CONTRACT))) {
            problems.add("labels " + manifest.labels() + " are not the contract's " + Labels.CONTRACT);
        }
        long fp32 = manifest.onnx().variants().stream()
                .filter(v -> v.precision().equals("fp32"))
                .count();
        if (fp32 != 1) {
            problems.add("the bundle must have exactly one fp32 ONNX variant, it has " + fp32);
        }
        requireListed(manifest, manifest.tokenizer().file(), "tokenizer file", problems);
        if (manifest.tokenizer().config() != null) {
            requireListed(manifest, manifest.tokenizer().config(), "tokenizer config", problems);
        }
        manifest.onnx()
                .variants()
                .forEach(v -> requireListed(manifest, v.file(), v.precision() + " ONNX file", problems));
        Path root = bundleDir.toAbsolutePath().normalize();
        for (Map.Entry<String, String> e : manifest.files().entrySet()) {
            Path file = root.resolve(e.getKey()).normalize();
            if (!file.startsWith(root)) {
                problems.add(e.getKey() + " points outside the bundle");
            } else if (!Files.isRegularFile(file)) {
                problems.add(e.getKey() + " is listed in the manifest but missing");
            } else {
                String actual = Sha256.ofFile(file);
                if (!actual.equals(e.getValue())) {
                    problems.add(e.getKey() + " has sha256 " + actual + " but the manifest says " + e.getValue()
                            + " (the file changed after export, or the copy is incomplete)");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new BundleException("bundle " + bundleDir + " is refused: " + String.join("; ", problems));
        }
        return manifest;
    }

    private static void requireListed(BundleManifest m, String file, String what, List<String> problems) {
        if (!m.files().containsKey(file)) {
            problems.add(what + " '" + file + "' is not listed in files");
        }
    }
}
