package io.nlistream.trainer.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlistream.trainer.checkpoint.Safetensors;
import io.nlistream.trainer.model.SequenceClassifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PEFT's adapter format: {@code adapter_config.json} and {@code adapter_model.safetensors} whose keys are
 * {@code base_model.model.<module>.lora_A.weight} / {@code lora_B.weight} and {@code base_model.model.classifier.*}
 * (the saved head), so adapters move both ways between this trainer and Python PEFT.
 */
public final class PeftAdapter {
    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    private static final String PREFIX = "base_model.model.";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PeftAdapter() {}

    /** The key PEFT saves for a trainable parameter of ours ({@code <module>.lora_A.weight}, {@code classifier.*}). */
    public static String savedKey(String name) {
        return PREFIX + name;
    }

    /** PEFT's in-memory parameter name ({@code ...lora_A.default.weight}, {@code classifier.modules_to_save.default.*}). */
    public static String peftParameterName(String name) {
        if (name.startsWith("classifier.")) {
            return PREFIX + "classifier.modules_to_save.default." + name.substring("classifier.".length());
        }
        return PREFIX + name.replace(".lora_A.", ".lora_A.default.").replace(".lora_B.", ".lora_B.default.");
    }

    /** Writes the trainable parameters (LoRA + head) of a model that {@link Lora#apply} wrapped. */
    public static void save(SequenceClassifier model, LoraConfig config, String baseModel, Path dir) {
        save(model, config, baseModel, dir, List.of());
    }

    /**
     * Also writes {@code alsoSaved}: frozen weights the base checkpoint lacks and that were initialised randomly
     * (DeBERTa's pooler on a base checkpoint). PEFT's SEQ_CLS adapter would lose them; saved under their
     * {@code base_model.model.} names, PEFT's loader and {@link #load} put them back, so the adapter reproduces the
     * trained model on the plain base checkpoint.
     */
    public static void save(SequenceClassifier model, LoraConfig config, String baseModel, Path dir,
            java.util.Collection<String> alsoSaved) {
        try {
            Files.createDirectories(dir);
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                if (Lora.TRAINABLE.test(e.getKey()) || alsoSaved.contains(e.getKey())) {
                    tensors.put(savedKey(e.getKey()), e.getValue().getArray());
                }
            }
            Safetensors.write(dir.resolve(WEIGHTS_FILE), tensors, Map.of("format", "pt"), Safetensors.FloatFormat.F32);
            JSON.writeValue(dir.resolve(CONFIG_FILE).toFile(), configJson(config, baseModel));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the adapter to " + dir, e);
        }
    }

    /** The fields PEFT 0.21 reads for a SEQ_CLS LoRA adapter (the others take PEFT's defaults). */
    static ObjectNode configJson(LoraConfig config, String baseModel) {
        ObjectNode json = JSON.createObjectNode();
        json.put("peft_type", "LORA");
        json.put("task_type", "SEQ_CLS");
        json.put("base_model_name_or_path", baseModel);
        json.put("r", config.r());
        json.put("lora_alpha", config.alpha());
        json.put("lora_dropout", config.dropout());
        config.targetModules().forEach(json.putArray("target_modules")::add);
        json.putArray("modules_to_save").add("classifier").add("score");
        json.put("bias", "none");
        json.put("fan_in_fan_out", false);
        json.put("use_rslora", config.useRslora());
        json.put("use_dora", false);
        json.put("init_lora_weights", true);
        json.put("inference_mode", true);
        json.putObject("rank_pattern");
        json.putObject("alpha_pattern");
        return json;
    }

    /** Reads {@code adapter_config.json}; features this trainer does not implement are refused by name. */
    public static LoraConfig readConfig(Path dir) {
        Path file = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file) || !Files.isRegularFile(dir.resolve(WEIGHTS_FILE))) {
            throw new IllegalArgumentException(dir + " is not a PEFT adapter: it needs " + CONFIG_FILE + " and "
                    + WEIGHTS_FILE);
        }
        JsonNode json;
        try {
            json = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (!"LORA".equals(json.path("peft_type").asText("LORA"))) {
            throw new IllegalArgumentException(file + ": peft_type " + json.path("peft_type") + " is not LORA");
        }
        for (String flag : List.of("use_dora", "fan_in_fan_out")) {
            if (json.path(flag).asBoolean(false)) {
                throw new IllegalArgumentException(file + ": " + flag + "=true is not supported");
            }
        }
        for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
            if (json.path(pattern).size() > 0) {
                throw new IllegalArgumentException(file + ": per-module " + pattern + " is not supported");
            }
        }
        if (!"none".equals(json.path("bias").asText("none"))) {
            throw new IllegalArgumentException(file + ": bias=" + json.path("bias").asText() + " is not supported");
        }
        JsonNode targets = json.path("target_modules");
        if (!targets.isArray()) {
            throw new IllegalArgumentException(file + ": target_modules must be a list of module names (got "
                    + targets + ")");
        }
        List<String> names = new ArrayList<>();
        targets.forEach(t -> names.add(t.asText()));
        return new LoraConfig(json.path("r").asInt(8), json.path("lora_alpha").asDouble(8),
                json.path("lora_dropout").asDouble(0), names, json.path("use_rslora").asBoolean(false));
    }

    /**
     * Puts the adapter in {@code dir} on {@code model} (LoRA wrappers, then the saved weights: LoRA matrices and the
     * head replace what the model had). Every saved tensor must find its parameter with the same shape.
     */
    public static LoraConfig load(SequenceClassifier model, Path dir, NDManager manager) {
        LoraConfig config = readConfig(dir);
        Lora.apply(model, config, manager);
        Map<String, Parameter> params = model.namedParameters();
        Map<String, NDArray> saved = Safetensors.read(dir.resolve(WEIGHTS_FILE), manager);
        for (Map.Entry<String, NDArray> e : saved.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(PREFIX)) {
                throw new IllegalArgumentException(dir.resolve(WEIGHTS_FILE) + ": key '" + key + "' lacks PEFT's '"
                        + PREFIX + "' prefix");
            }
            String name = key.substring(PREFIX.length()).replace(".modules_to_save.default.", ".")
                    .replace(".default.", ".");
            Parameter p = params.get(name);
            if (p == null) {
                throw new IllegalArgumentException(dir.resolve(WEIGHTS_FILE) + ": '" + key + "' matches no parameter"
                        + " of this model (is the adapter for another architecture?)");
            }
            if (!p.getArray().getShape().equals(e.getValue().getShape())) {
                throw new IllegalArgumentException(dir.resolve(WEIGHTS_FILE) + ": '" + key + "' has shape "
                        + e.getValue().getShape() + " but the model's " + name + " is " + p.getArray().getShape()
                        + " (another model size, rank or label count?)");
            }
            p.getArray().set(e.getValue().toFloatArray());
            e.getValue().close();
        }
        return config;
    }
}
