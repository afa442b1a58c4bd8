package io.nlistream.trainer.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** The fields of a Hugging Face {@code config.json} the exporter reads; a missing required field is named. */
public final class HfConfig {
    private final Path file;
    private final JsonNode json;

    private HfConfig(Path file, JsonNode json) {
        this.file = file;
        this.json = json;
    }

    public static HfConfig read(Path modelDir) throws IOException {
        Path file = modelDir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(modelDir + " has no config.json: point --model at a Hugging Face"
                    + " checkpoint directory (config.json + model.safetensors + tokenizer files)");
        }
        return new HfConfig(file, new ObjectMapper().readTree(file.toFile()));
    }

    public String modelType() {
        return string("model_type");
    }

    public int integer(String field) {
        return require(field).asInt();
    }

    public int integer(String field, int fallback) {
        JsonNode n = json.get(field);
        return n == null || n.isNull() ? fallback : n.asInt();
    }

    public float number(String field) {
        return (float) require(field).asDouble();
    }

    public boolean bool(String field, boolean fallback) {
        JsonNode n = json.get(field);
        return n == null || n.isNull() ? fallback : n.asBoolean();
    }

    public String string(String field) {
        return require(field).asText();
    }

    public String string(String field, String fallback) {
        JsonNode n = json.get(field);
        return n == null || n.isNull() ? fallback : n.asText();
    }

    /** A list field that transformers also accepts as a "a|b" string (pos_att_type). */
    public List<String> list(String field) {
        JsonNode n = json.get(field);
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (n.isArray()) {
            n.forEach(e -> out.add(e.asText().trim()));
        } else {
            for (String s : n.asText().split("\\|")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }

    /** id2label in output order (index 0 first). */
    public List<String> id2label() {
        JsonNode n = require("id2label");
        TreeMap<Integer, String> byId = new TreeMap<>();
        n.fields().forEachRemaining(e -> byId.put(Integer.parseInt(e.getKey()), e.getValue().asText()));
        return new ArrayList<>(byId.values());
    }

    private JsonNode require(String field) {
        JsonNode n = json.get(field);
        if (n == null || n.isNull()) {
            throw new IllegalArgumentException(file + " has no '" + field + "', which the ONNX exporter needs");
        }
        return n;
    }

    @Override
    public String toString() {
        return file.toString();
    }
}
