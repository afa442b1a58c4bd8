package io.nlistream.trainer.onnx;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nlistream.trainer.checkpoint.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Folds a PEFT LoRA adapter ({@code adapter_config.json} + {@code adapter_model.safetensors}) into the base
 * weights as PEFT's merge_and_unload does: W + (alpha / r)·B·A for each target (alpha/√r with rslora,
 * per-module r and alpha from rank_pattern / alpha_pattern), and the {@code modules_to_save} copies (the
 * classifier of a SEQ_CLS adapter) replace the base modules.
 */
public final class LoraMerge {
    private static final String PREFIX = "base_model.model.";

    /** What the merge did, for logs and the manifest. */
    public record Summary(int mergedModules, int replacedTensors, int rank, double alpha, List<String> changed) {}

    private LoraMerge() {}

    public static Summary merge(Weights base, Path adapterDir) throws IOException {
        Path configFile = adapterDir.resolve("adapter_config.json");
        Path weightsFile = adapterDir.resolve("adapter_model.safetensors");
        if (!Files.isRegularFile(configFile) || !Files.isRegularFile(weightsFile)) {
            throw new IllegalArgumentException(adapterDir + " is not a PEFT adapter: it needs adapter_config.json"
                    + " and adapter_model.safetensors (what PEFT's save_pretrained and nli-trainer train write)");
        }
        JsonNode config = new ObjectMapper().readTree(configFile.toFile());
        requireSupported(config, configFile);
        int r = config.path("r").asInt(8);
        double alpha = config.path("lora_alpha").asDouble(8);
        boolean rslora = config.path("use_rslora").asBoolean(false);
        Map<String, Tensor> adapter = readTensors(weightsFile);
        Map<String, Tensor> target = base.asMap();

        int merged = 0;
        int replaced = 0;
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : adapter.entrySet()) {
            String key = stripPrefix(e.getKey(), weightsFile);
            if (key.contains(".lora_B.") || key.contains("lora_magnitude")) {
                continue;
            }
            if (key.contains("lora_embedding")) {
                throw new IllegalArgumentException(weightsFile + ": LoRA on embeddings ('" + e.getKey() + "') is not supported");
            }
            if (key.contains(".lora_A.")) {
                String module = key.substring(0, key.indexOf(".lora_A."));
                Tensor a = e.getValue();
                Tensor b = adapter.get(PREFIX + module + ".lora_B" + key.substring(key.indexOf(".lora_A.") + 7));
                if (b == null) {
                    throw new IllegalArgumentException(weightsFile + " has lora_A but no lora_B for " + module);
                }
                int rank = pattern(config.path("rank_pattern"), module).map(JsonNode::asInt).orElse(r);
                double a2 = pattern(config.path("alpha_pattern"), module).map(JsonNode::asDouble).orElse(alpha);
                double scale = rslora ? a2 / Math.sqrt(rank) : a2 / rank;
                String weightName = module + ".weight";
                Tensor w = base.get(weightName);
                target.put(weightName, addProduct(w, b, a, scale, weightName));
                changed.add(weightName);
                merged++;
            } else {
                String name = key.replace(".modules_to_save.default.", ".");
                Tensor old = base.get(name);
                if (!java.util.Arrays.equals(old.shape(), e.getValue().shape())) {
                    throw new IllegalArgumentException(weightsFile + ": '" + e.getKey() + "' has shape "
                            + java.util.Arrays.toString(e.getValue().shape()) + " but the base model's '" + name + "' is "
                            + java.util.Arrays.toString(old.shape()) + " (is the adapter for another model or label count?)");
                }
                target.put(name, e.getValue());
                changed.add(name);
                replaced++;
            }
        }
        if (merged == 0) {
            throw new IllegalArgumentException(weightsFile + " has no lora_A/lora_B pairs: it is not a LoRA adapter");
        }
        return new Summary(merged, replaced, r, alpha, List.copyOf(changed));
    }

    private static Map<String, Tensor> readTensors(Path file) {
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            Safetensors.read(file, manager).forEach((name, a) -> out.put(name,
                    new Tensor(a.getShape().getShape(), a.toType(DataType.FLOAT32, false).toFloatArray())));
        }
        return out;
    }

    /** W [out, in] + scale · B [out, r] · A [r, in], accumulated in double, stored as float32. */
    private static Tensor addProduct(Tensor w, Tensor b, Tensor a, double scale, String name) {
        int out = w.dim(0);
        int in = w.dim(1);
        int rank = a.dim(0);
        if (b.dim(0) != out || b.dim(1) != rank || a.dim(1) != in) {
            throw new IllegalArgumentException("LoRA shapes for " + name + " do not fit: weight [" + out + ", " + in
                    + "], B [" + b.dim(0) + ", " + b.dim(1) + "], A [" + a.dim(0) + ", " + a.dim(1) + "]");
        }
        float[] result = w.data().clone();
        for (int i = 0; i < out; i++) {
            for (int j = 0; j < in; j++) {
                double s = 0;
                for (int k = 0; k < rank; k++) {
                    s += (double) b.data()[i * rank + k] * a.data()[k * in + j];
                }
                result[i * in + j] = (float) (w.data()[i * in + j] + (float) (s * scale));
            }
        }
        return new Tensor(w.shape(), result);
    }

    private static String stripPrefix(String key, Path file) {
        if (!key.startsWith(PREFIX)) {
            throw new IllegalArgumentException(file + ": key '" + key + "' does not start with '" + PREFIX
                    + "' (PEFT's naming); is this a PEFT adapter?");
        }
        return key.substring(PREFIX.length());
    }

    private static void requireSupported(JsonNode config, Path file) {
        List<String> problems = new ArrayList<>();
        if (!config.path("peft_type").asText("LORA").equalsIgnoreCase("LORA")) {
            problems.add("peft_type is " + config.path("peft_type").asText() + ", only LORA merges");
        }
        if (config.path("use_dora").asBoolean(false)) {
            problems.add("use_dora=true (DoRA) is not supported");
        }
        if (config.path("fan_in_fan_out").asBoolean(false)) {
            problems.add("fan_in_fan_out=true (Conv1D/GPT-2 style layers) is not supported");
        }
        if (!config.path("bias").asText("none").equals("none") || config.path("lora_bias").asBoolean(false)) {
            problems.add("trained biases (bias != none / lora_bias) are not supported");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(file + ": " + String.join("; ", problems));
        }
    }

    /** PEFT's rank_pattern / alpha_pattern lookup: a key matches a module whose name ends with it. */
    private static java.util.Optional<JsonNode> pattern(JsonNode patterns, String module) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patterns.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (Pattern.compile("(.*\\.)?(" + e.getKey() + ")$").matcher(module).matches()) {
                return java.util.Optional.of(e.getValue());
            }
        }
        return java.util.Optional.empty();
    }
}
