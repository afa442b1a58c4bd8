package io.nlistream.trainer.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which files of a model repository the trainer needs: config.json, one weights layout (safetensors preferred,
 * sharded or not, else pytorch_model.bin) and whichever tokenizer files the repository has.
 */
final class ModelFiles {
    static final String CONFIG = "config.json";
    /** In order of preference. */
    static final List<String> WEIGHTS = List.of(
            "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json");

    static final List<String> TOKENIZER = List.of(
            "tokenizer.json",
            "tokenizer_config.json",
            "special_tokens_map.json",
            "added_tokens.json",
            "spm.model",
            "sentencepiece.bpe.model",
            "vocab.json",
            "merges.txt",
            "vocab.txt");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelFiles() {}

    /** The files to download from a revision that holds {@code available}. */
    static List<String> select(String repoId, String revision, List<String> available) throws HubException {
        Set<String> present = Set.copyOf(available);
        if (!present.contains(CONFIG)) {
            throw new HubException("'" + repoId + "' at revision '" + revision + "' has no config.json: it is not a"
                    + " transformers model repository (files: " + preview(available) + ")");
        }
        String weights = WEIGHTS.stream()
                .filter(present::contains)
                .findFirst()
                .orElseThrow(() -> new HubException("'" + repoId + "' at revision '" + revision
                        + "' has neither model.safetensors nor pytorch_model.bin" + " (files: " + preview(available)
                        + ")"));
        List<String> files = new ArrayList<>(List.of(CONFIG, weights));
        TOKENIZER.stream().filter(present::contains).forEach(files::add);
        return files;
    }

    static boolean isShardIndex(String filename) {
        return filename.endsWith(".index.json");
    }

    /** The shard files an {@code *.index.json} names in its {@code weight_map}, in first-use order. */
    static List<String> shards(Path index) throws HubException {
        try {
            JsonNode weightMap = JSON.readTree(index.toFile()).path("weight_map");
            if (!weightMap.isObject() || weightMap.isEmpty()) {
                throw new HubException(index.getFileName() + " has no weight_map");
            }
            Set<String> shards = new LinkedHashSet<>();
            for (JsonNode shard : weightMap) {
                shards.add(HubCache.checkedFilename(shard.asText()));
            }
            return List.copyOf(shards);
        } catch (HubException e) {
            throw e;
        } catch (IOException e) {
            throw new HubException("cannot read the shard index " + index + ": " + e.getMessage());
        }
    }

    /** What a cached snapshot lacks to be loadable (config and complete weights), or empty when usable. */
    static Optional<String> missing(Path snapshot) throws HubException {
        if (!Files.isDirectory(snapshot)) {
            return Optional.of("the snapshot folder " + snapshot);
        }
        if (!Files.exists(snapshot.resolve(CONFIG))) {
            return Optional.of(CONFIG);
        }
        Optional<String> weights =
                WEIGHTS.stream().filter(w -> Files.exists(snapshot.resolve(w))).findFirst();
        if (weights.isEmpty()) {
            return Optional.of("model.safetensors or pytorch_model.bin");
        }
        if (isShardIndex(weights.get())) {
            for (String shard : shards(snapshot.resolve(weights.get()))) {
                if (!Files.exists(snapshot.resolve(shard))) {
                    return Optional.of(shard);
                }
            }
        }
        return Optional.empty();
    }

    private static String preview(List<String> files) {
        return files.size() <= 12
                ? String.join(", ", files)
                : String.join(", ", files.subList(0, 12)) + ", ... " + (files.size() - 12) + " more";
    }
}
