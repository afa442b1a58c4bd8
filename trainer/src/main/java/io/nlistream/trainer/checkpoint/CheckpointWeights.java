package io.nlistream.trainer.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The weights of a Hugging Face checkpoint directory as F32 NDArrays by their HF names: {@code model.safetensors},
 * sharded {@code model.safetensors.index.json}, or {@code pytorch_model.bin}, in that order of preference.
 */
public final class CheckpointWeights {
    public static final String SAFETENSORS = "model.safetensors";
    public static final String SAFETENSORS_INDEX = "model.safetensors.index.json";
    public static final String PYTORCH_BIN = "pytorch_model.bin";

    private CheckpointWeights() {}

    /** The file that holds the weights (the index for a sharded checkpoint); fails with a clear message when none. */
    public static Path locate(Path dir) {
        for (String name : new String[] {SAFETENSORS, SAFETENSORS_INDEX, PYTORCH_BIN}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new CheckpointException("no weights in " + dir + ": expected " + SAFETENSORS + ", " + SAFETENSORS_INDEX
                + " or " + PYTORCH_BIN + " (download the full model repository, not only its config)");
    }

    public static Map<String, NDArray> read(Path dir, NDManager manager) {
        Path file = locate(dir);
        String name = file.getFileName().toString();
        if (name.equals(SAFETENSORS)) {
            return Safetensors.read(file, manager);
        }
        if (name.equals(SAFETENSORS_INDEX)) {
            return readSharded(dir, file, manager);
        }
        return readBin(file, manager);
    }

    private static Map<String, NDArray> readBin(Path file, NDManager manager) {
        NDList list;
        try {
            list = PytorchBinReader.read(file, manager);
        } catch (IOException e) {
            throw new CheckpointException(
                    e.getMessage() + " (or convert the checkpoint to model.safetensors with save_pretrained)", e);
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (NDArray a : list) {
            out.put(a.getName(), a);
        }
        return out;
    }

    private static Map<String, NDArray> readSharded(Path dir, Path index, NDManager manager) {
        JsonNode map;
        try {
            map = new ObjectMapper().readTree(index.toFile()).path("weight_map");
        } catch (IOException e) {
            throw new CheckpointException(index + " is not valid JSON: " + e.getMessage(), e);
        }
        if (!map.isObject() || map.isEmpty()) {
            throw new CheckpointException(index + " has no \"weight_map\"");
        }
        Set<String> shards = new LinkedHashSet<>();
        map.forEach(v -> shards.add(v.asText()));
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (String shard : shards) {
            Path p = dir.resolve(shard).normalize();
            if (!p.startsWith(dir.normalize()) || !Files.isRegularFile(p)) {
                throw new CheckpointException(index + " names shard " + shard + ", which is not in " + dir);
            }
            out.putAll(Safetensors.read(p, manager));
        }
        return out;
    }
}
