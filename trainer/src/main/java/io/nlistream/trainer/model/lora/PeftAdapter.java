package io.nlistream.trainer.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
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
import java.util.Iterator;
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
    /** PEFT's prefix of every saved key: the PeftModel wrapper ({@code base_model}), its LoraModel ({@code model}). */
    public static final String PREFIX = "base_model.model.";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PeftAdapter() {}

    /** The key PEFT saves for a trainable parameter of ours ({@code <module>.lora_A.weight}, {@code classifier.*}). */
    public static String savedKey(String name) {
        return PREFIX + name;
    }

    /**
     * PEFT's in-memory parameter name ({@code ...lora_A.default.weight}, {@code classifier.modules_to_save.default.*}).
     */
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
    public static void save(
            SequenceClassifier model,
            LoraConfig config,
            String baseModel,
            Path dir,
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
        config.rankPattern().forEach(json.putObject("rank_pattern")::put);
        config.alphaPattern().forEach(json.putObject("alpha_pattern")::put);
        return json;
    }

    /**
     * Every option PEFT's LoraConfig writes, in one place: what a merge or a load reads, what has no effect on the
     * weights (metadata, training-time settings), and what must keep its default because this trainer does not
     * implement it (refused by name otherwise). An option not listed is accepted only at a default (null, false,
     * empty), so a newer PEFT that writes a new feature switched on is refused rather than silently mis-merged.
     */
    private static final List<String> READ = List.of(
            "peft_type",
            "r",
            "lora_alpha",
            "lora_dropout",
            "target_modules",
            "use_rslora",
            "rank_pattern",
            "alpha_pattern",
            "modules_to_save",
            "bias",
            "use_dora",
            "fan_in_fan_out",
            "lora_bias");

    private static final List<String> NO_EFFECT = List.of(
            "task_type",
            "base_model_name_or_path",
            "revision",
            "inference_mode",
            "init_lora_weights",
            "auto_mapping",
            "peft_version",
            "megatron_config",
            "megatron_core",
            "loftq_config",
            "eva_config",
            "corda_config",
            "runtime_config",
            "ensure_weight_tying",
            "qalora_group_size");
    private static final Map<String, String> UNSUPPORTED = Map.of(
            "layers_to_transform", "LoRA on a subset of layers",
            "layers_pattern", "LoRA on a subset of layers",
            "layer_replication", "layer replication",
            "exclude_modules", "excluded modules",
            "trainable_token_indices", "trainable token embeddings",
            "target_parameters", "LoRA on bare parameters",
            "use_qalora", "QALoRA",
            "alora_invocation_tokens", "activated LoRA",
            "arrow_config", "Arrow routing");

    /** Reads {@code adapter_config.json}; features this trainer does not implement are refused by name. */
    public static LoraConfig readConfig(Path dir) {
        Path file = dir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file) || !Files.isRegularFile(dir.resolve(WEIGHTS_FILE))) {
            throw new IllegalArgumentException(dir + " is not a PEFT adapter: it needs " + CONFIG_FILE + " and "
                    + WEIGHTS_FILE + " (what PEFT's save_pretrained and nli-trainer train write)");
        }
        JsonNode json;
        try {
            json = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        List<String> problems = new ArrayList<>();
        if (!"LORA".equalsIgnoreCase(json.path("peft_type").asText("LORA"))) {
            problems.add("peft_type " + json.path("peft_type").asText() + " is not LORA");
        }
        if (json.path("use_dora").asBoolean(false)) {
            problems.add("use_dora=true (DoRA) is not supported");
        }
        if (json.path("fan_in_fan_out").asBoolean(false)) {
            problems.add("fan_in_fan_out=true (Conv1D/GPT-2 style layers) is not supported");
        }
        if (!"none".equals(json.path("bias").asText("none"))
                || json.path("lora_bias").asBoolean(false)) {
            problems.add("trained biases (bias=" + json.path("bias").asText("none") + ", lora_bias) are not supported");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (READ.contains(key) || NO_EFFECT.contains(key) || isDefault(e.getValue())) {
                continue;
            }
            problems.add(key + "=" + e.getValue() + " ("
                    + UNSUPPORTED.getOrDefault(key, "an option this trainer does" + " not know")
                    + ") is not supported");
        }
        JsonNode targets = json.path("target_modules");
        if (!targets.isArray()) {
            problems.add("target_modules must be a list of module names (got " + targets + ")");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(file + ": " + String.join("; ", problems));
        }
        List<String> names = new ArrayList<>();
        targets.forEach(t -> names.add(t.asText()));
        Map<String, Integer> ranks = new LinkedHashMap<>();
        json.path("rank_pattern")
                .fields()
                .forEachRemaining(e -> ranks.put(e.getKey(), e.getValue().asInt()));
        Map<String, Double> alphas = new LinkedHashMap<>();
        json.path("alpha_pattern")
                .fields()
                .forEachRemaining(e -> alphas.put(e.getKey(), e.getValue().asDouble()));
        return new LoraConfig(
                json.path("r").asInt(8),
                json.path("lora_alpha").asDouble(8),
                json.path("lora_dropout").asDouble(0),
                names,
                json.path("use_rslora").asBoolean(false),
                ranks,
                alphas);
    }

    private static boolean isDefault(JsonNode v) {
        return v.isNull() || (v.isBoolean() && !v.asBoolean()) || (v.isContainerNode() && v.isEmpty());
    }

    /** What merging an adapter did, for logs and the manifest: LoRA modules folded, tensors replaced, by name. */
    public record MergeSummary(int mergedModules, int replacedTensors, int rank, double alpha, List<String> changed) {}

    /**
     * Puts the adapter in {@code dir} on {@code model}, then folds it into the base weights ({@link Lora#merge},
     * PEFT's merge_and_unload): the export's merge, the same code the PEFT parity check covers.
     */
    public static MergeSummary merge(SequenceClassifier model, Path dir, NDManager manager) {
        Loaded loaded = loadTracked(model, dir, manager);
        List<String> merged = Lora.merge(model);
        if (merged.isEmpty()) {
            throw new IllegalArgumentException(
                    dir.resolve(WEIGHTS_FILE) + " has no lora_A/lora_B pairs: it is not a" + " LoRA adapter");
        }
        List<String> changed = new ArrayList<>();
        merged.forEach(path -> changed.add(path + ".weight"));
        changed.addAll(loaded.replaced());
        return new MergeSummary(
                merged.size(),
                loaded.replaced().size(),
                loaded.config().r(),
                loaded.config().alpha(),
                List.copyOf(changed));
    }

    /**
     * Puts the adapter in {@code dir} on {@code model} (LoRA wrappers, then the saved weights: LoRA matrices and the
     * head replace what the model had). Every saved tensor must find its parameter with the same shape.
     */
    public static LoraConfig load(SequenceClassifier model, Path dir, NDManager manager) {
        return loadTracked(model, dir, manager).config();
    }

    /** The adapter's config and the names of the non-LoRA parameters it replaced (head, saved pooler). */
    private record Loaded(LoraConfig config, List<String> replaced) {}

    private static Loaded loadTracked(SequenceClassifier model, Path dir, NDManager manager) {
        LoraConfig config = readConfig(dir);
        Path file = dir.resolve(WEIGHTS_FILE);
        Map<String, NDArray> saved = Safetensors.read(file, manager);
        Map<String, String> names = new LinkedHashMap<>();
        Map<String, Parameter> before = model.namedParameters();
        // Checked before wrapping, LoRA keys first: an adapter for another architecture is refused by the first
        // target module this model lacks.
        List<String> keys = new ArrayList<>(saved.keySet());
        keys.sort(java.util.Comparator.comparing(k -> !k.contains(".lora_")));
        for (String key : keys) {
            String name = modelName(key, file);
            String base = name.contains(".lora_") ? name.substring(0, name.indexOf(".lora_")) + ".weight" : name;
            if (!before.containsKey(base)) {
                throw new IllegalArgumentException(file + ": '" + key + "' has no weight '" + base + "' in this model"
                        + " (is the adapter for another architecture or model?)");
            }
            names.put(key, name);
        }
        Lora.apply(model, config, manager);
        Map<String, Parameter> params = model.namedParameters();
        List<String> replaced = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : saved.entrySet()) {
            String key = e.getKey();
            String name = names.get(key);
            Parameter p = params.get(name);
            if (p == null) {
                throw new IllegalArgumentException(file + ": '" + key + "' matches no parameter of this model (is"
                        + " the adapter for another architecture, or its target_modules not the saved modules?)");
            }
            if (!p.getArray().getShape().equals(e.getValue().getShape())) {
                throw new IllegalArgumentException(file + ": '" + key + "' has shape "
                        + e.getValue().getShape()
                        + " but the model's " + name + " is " + p.getArray().getShape()
                        + " (another model size, rank or label count?)");
            }
            p.getArray().set(e.getValue().toType(DataType.FLOAT32, false).toFloatArray());
            e.getValue().close();
            if (!name.contains(".lora_")) {
                replaced.add(name);
            }
        }
        return new Loaded(config, List.copyOf(replaced));
    }

    /** Our parameter name for a saved key: PEFT's prefix and its {@code default} adapter / modules_to_save removed. */
    private static String modelName(String key, Path file) {
        if (!key.startsWith(PREFIX)) {
            throw new IllegalArgumentException(
                    file + ": key '" + key + "' lacks PEFT's '" + PREFIX + "' prefix;" + " is this a PEFT adapter?");
        }
        if (key.contains("lora_embedding") || key.contains("lora_magnitude")) {
            throw new IllegalArgumentException(file + ": '" + key + "' (LoRA on embeddings / DoRA) is not supported");
        }
        return key.substring(PREFIX.length())
                .replace(".modules_to_save.default.", ".")
                .replace(".default.", ".");
    }
}
