package io.nlistream.streamer.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.Labels;
import io.nlistream.schemas.bundle.BundleManifest;
import io.nlistream.schemas.bundle.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Model bundles for tests, made from {@code fixtures/camemberta-vocab-tiny} (the real camemberta-base tokenizer and a
 * tiny random DeBERTa-v2 whose torch export has a {@code logits} output only) with a manifest written the way the
 * trainer's exporter writes it.
 */
public final class TestBundles {
    public static final String NAME = "camemberta-vocab-tiny";

    /** Rows of the tiny model's word-embedding table (its config's vocab_size). */
    public static final int EMBEDDING_ROWS = 32008;

    private TestBundles() {}

    public static Path fixture() {
        String dir = System.getProperty("nli.fixtures.dir");
        if (dir == null) {
            throw new IllegalStateException(
                    "-Dnli.fixtures.dir is not set; run the tests through Maven (the parent pom sets it)");
        }
        return Path.of(dir, NAME);
    }

    public static Path sharedDir() {
        Path shared = Path.of(System.getProperty("nli.shared.dir", "/work/shared"));
        if (!Files.isDirectory(shared)) {
            throw new IllegalStateException("the xnli tests need the shared reference data at " + shared
                    + " (set -Dnli.shared.dir=...; these tests run only with -Pxnli)");
        }
        return shared;
    }

    /**
     * A copy of {@code fixtures/calibrated-camembert-tiny} in {@code dir}: a bundle the trainer exported and calibrated
     * (`calibrate --bundle`), whose ONNX probabilities output is softmax(logits / T) with T in its manifest.
     */
    public static Path calibrated(Path dir) {
        try {
            Files.createDirectories(dir);
            Path src = fixture().resolveSibling("calibrated-camembert-tiny");
            for (String f : List.of("model.onnx", "tokenizer.json", BundleManifest.FILE_NAME)) {
                Files.copy(src.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a verified tiny bundle of the given version into {@code dir} (created) and returns {@code dir}. */
    public static Path tiny(Path dir, String version) {
        copyTinyFiles(dir);
        return writeTinyManifest(dir, version);
    }

    /**
     * A verified tiny bundle whose ONNX graph fails at run time on any pair containing {@code word} (lower-case
     * ASCII) and classifies every other pair: its tokenizer maps {@code word} to a token id past the end of the
     * graph's embedding table (the tiny model has {@value #EMBEDDING_ROWS} rows), so ONNX Runtime's Gather refuses
     * that batch. The warm-up at load does not contain the word, so the bundle loads.
     */
    public static Path failingOn(Path dir, String version, String word) {
        copyTinyFiles(dir);
        try {
            Path file = dir.resolve("tokenizer.json");
            // a plain mapper: the project's one bounds documents to 2 MiB (event sizes), tokenizer.json is larger
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode tokenizer = (ObjectNode) mapper.readTree(file.toFile());
            ArrayNode vocab = (ArrayNode) tokenizer.path("model").path("vocab");
            // Unigram ids are vocab positions: pad the vocab with pieces no text produces until the next id is
            // past the table, then add the word as one piece scored like the special tokens (a whole-word piece
            // scored 0 beats any split of it).
            while (vocab.size() < EMBEDDING_ROWS + 8) {
                vocab.addArray().add("\u2047unused-" + vocab.size()).add(-99.0);
            }
            vocab.addArray().add("\u2581" + word).add(0.0);
            mapper.writeValue(file.toFile(), tokenizer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return writeTinyManifest(dir, version);
    }

    private static void copyTinyFiles(Path dir) {
        try {
            Files.createDirectories(dir);
            Path src = fixture();
            for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) {
                Files.copy(src.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
            Files.copy(src.resolve("reference.onnx"), dir.resolve("model.onnx"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path writeTinyManifest(Path dir, String version) {
        try {
            Map<String, String> files = new TreeMap<>();
            for (String f :
                    List.of("model.onnx", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) {
                files.put(f, Sha256.ofFile(dir.resolve(f)));
            }
            BundleManifest manifest = new BundleManifest(
                    BundleManifest.FORMAT_VERSION,
                    NAME,
                    version,
                    "deberta-v2",
                    "fixtures/" + NAME,
                    Labels.CONTRACT,
                    128,
                    "longest_first",
                    32002,
                    new BundleManifest.Tokenizer("tokenizer.json", "tokenizer_config.json"),
                    new BundleManifest.Onnx(
                            List.of("input_ids", "attention_mask"),
                            List.of("logits"),
                            17,
                            8,
                            List.of(new BundleManifest.Variant("model.onnx", "fp32"))),
                    null,
                    null,
                    files,
                    Instant.now(),
                    null);
            // Written last, as the exporter does: a watcher that sees the new manifest sees a complete bundle.
            Path tmp = dir.resolve(BundleManifest.FILE_NAME + ".tmp");
            Json.mapper().writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), manifest);
            Files.move(
                    tmp,
                    dir.resolve(BundleManifest.FILE_NAME),
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
