package io.nlistream.trainer.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Parses a Hugging Face {@code config.json} into a typed {@link ModelConfig}. Absent fields take transformers' defaults
 * for that model type; a value this implementation does not compute faithfully fails with the field's name.
 */
public final class ConfigReader {
    public static final String CONFIG_FILE = "config.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final JsonNode root;

    private ConfigReader(Path file, JsonNode root) {
        this.file = file;
        this.root = root;
    }

    /** Reads {@code dir/config.json} (or the file itself when given one). */
    public static ModelConfig read(Path dirOrFile) {
        Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(CONFIG_FILE) : dirOrFile;
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException("no " + CONFIG_FILE + " in " + dirOrFile
                    + ": give a Hugging Face model directory (config.json + model.safetensors or pytorch_model.bin)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(file + " must hold a JSON object");
        }
        return new ConfigReader(file, root).parse();
    }

    private ModelConfig parse() {
        String modelType = string("model_type", null);
        if (modelType == null) {
            throw fail("model_type", "is missing; supported: deberta-v2, roberta, camembert, xlm-roberta");
        }
        return switch (modelType) {
            case "deberta-v2" -> debertaV2(modelType);
            case "roberta", "camembert", "xlm-roberta" -> roberta(modelType);
            default ->
                throw fail(
                        "model_type",
                        "'" + modelType + "' is not supported; supported: deberta-v2 (CamemBERTa,"
                                + " DeBERTa-v3), roberta / camembert / xlm-roberta (CamemBERT)");
        };
    }

    private DebertaV2Config debertaV2(String modelType) {
        int hidden = integer("hidden_size", 1536);
        int heads = integer("num_attention_heads", 24);
        int headSize = root.has("attention_head_size") ? integer("attention_head_size", 0) : divide(hidden, heads);
        float hiddenDropout = number("hidden_dropout_prob", 0.1f);
        List<String> posAttType = posAttType();
        String normRelEbd = string("norm_rel_ebd", "none").toLowerCase();
        boolean layerNormRel = false;
        for (String part : normRelEbd.split("\\|")) {
            switch (part.strip()) {
                case "layer_norm" -> layerNormRel = true;
                case "none", "" -> {}
                default ->
                    throw fail("norm_rel_ebd", "'" + normRelEbd + "' is not supported; supported: none, layer_norm");
            }
        }
        int convKernel = integer("conv_kernel_size", 0);
        if (convKernel > 0 && convKernel % 2 == 0) {
            throw fail(
                    "conv_kernel_size",
                    convKernel + " is even; transformers pads (k-1)/2 per side, which only keeps the"
                            + " length for odd kernels");
        }
        int convGroups = integer("conv_groups", 1);
        if (convGroups < 1 || hidden % convGroups != 0) {
            throw fail("conv_groups", convGroups + " must divide hidden_size " + hidden);
        }
        int typeVocab = integer("type_vocab_size", 0);
        int positionBuckets = integer("position_buckets", -1);
        int maxPositions = integer("max_position_embeddings", 512);
        Float cls = root.hasNonNull("cls_dropout") ? number("cls_dropout", 0f) : null;
        return new DebertaV2Config(
                modelType,
                integer("vocab_size", 128100),
                hidden,
                integer("embedding_size", hidden),
                integer("num_hidden_layers", 24),
                heads,
                headSize,
                integer("intermediate_size", 6144),
                activation("hidden_act", "gelu"),
                hiddenDropout,
                number("attention_probs_dropout_prob", 0.1f),
                maxPositions,
                typeVocab,
                number("layer_norm_eps", 1e-7f),
                bool("relative_attention", false),
                integer("max_relative_positions", -1),
                positionBuckets,
                bool("position_biased_input", true),
                posAttType,
                bool("share_att_key", false),
                layerNormRel,
                convKernel,
                activation("conv_act", "tanh"),
                convGroups,
                integer("pooler_hidden_size", hidden),
                number("pooler_dropout", 0f),
                activation("pooler_hidden_act", "gelu"),
                cls != null ? cls : hiddenDropout,
                integer("pad_token_id", 0),
                number("initializer_range", 0.02f),
                labels());
    }

    private RobertaConfig roberta(String modelType) {
        String positionType = string("position_embedding_type", "absolute");
        if (!positionType.equals("absolute")) {
            throw fail(
                    "position_embedding_type", "'" + positionType + "' is not supported; only absolute positions are");
        }
        if (bool("is_decoder", false)) {
            throw fail("is_decoder", "is true; only encoders (is_decoder: false) can classify pairs here");
        }
        if (bool("add_cross_attention", false)) {
            throw fail("add_cross_attention", "is true; cross-attention is not supported");
        }
        int hidden = integer("hidden_size", 768);
        int heads = integer("num_attention_heads", 12);
        divide(hidden, heads);
        float hiddenDropout = number("hidden_dropout_prob", 0.1f);
        Float cls = root.hasNonNull("classifier_dropout") ? number("classifier_dropout", 0f) : null;
        return new RobertaConfig(
                modelType,
                integer("vocab_size", 50265),
                hidden,
                integer("num_hidden_layers", 12),
                heads,
                integer("intermediate_size", 3072),
                activation("hidden_act", "gelu"),
                hiddenDropout,
                number("attention_probs_dropout_prob", 0.1f),
                integer("max_position_embeddings", 512),
                integer("type_vocab_size", 2),
                number("layer_norm_eps", 1e-12f),
                integer("pad_token_id", 1),
                cls != null ? cls : hiddenDropout,
                number("initializer_range", 0.02f),
                labels());
    }

    private int divide(int hidden, int heads) {
        if (heads <= 0 || hidden % heads != 0) {
            throw fail("num_attention_heads", heads + " does not divide hidden_size " + hidden);
        }
        return hidden / heads;
    }

    private List<String> posAttType() {
        JsonNode node = root.get("pos_att_type");
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (node.isTextual()) {
            for (String s : node.asText().toLowerCase().split("\\|")) {
                out.add(s.strip());
            }
        } else if (node.isArray()) {
            node.forEach(n -> out.add(n.asText().strip().toLowerCase()));
        } else {
            throw fail("pos_att_type", "must be a list such as [\"p2c\", \"c2p\"] or a string \"p2c|c2p\"");
        }
        for (String s : out) {
            if (!s.equals("c2p") && !s.equals("p2c")) {
                throw fail("pos_att_type", "'" + s + "' is not supported; supported: c2p, p2c");
            }
        }
        return List.copyOf(out);
    }

    private List<String> labels() {
        JsonNode id2label = root.get("id2label");
        if (id2label != null && id2label.isObject() && id2label.size() > 0) {
            Map<Integer, String> byId = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = id2label.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                try {
                    byId.put(Integer.parseInt(e.getKey().strip()), e.getValue().asText());
                } catch (NumberFormatException ex) {
                    throw fail("id2label", "key '" + e.getKey() + "' is not an integer");
                }
            }
            List<String> labels = new ArrayList<>(byId.values());
            int expect = 0;
            for (int id : byId.keySet()) {
                if (id != expect++) {
                    throw fail(
                            "id2label", "ids must be 0.." + (byId.size() - 1) + " without gaps, got " + byId.keySet());
                }
            }
            return List.copyOf(labels);
        }
        int n = integer("num_labels", 2);
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            labels.add("LABEL_" + i);
        }
        return List.copyOf(labels);
    }

    private String activation(String field, String fallback) {
        String act = string(field, fallback);
        if (!ModelConfig.ACTIVATIONS.contains(act)) {
            throw fail(
                    field,
                    "'" + act + "' is not supported; supported: " + String.join(", ", ModelConfig.ACTIVATIONS)
                            + " (gelu is the exact erf GELU)");
        }
        return act;
    }

    private int integer(String field, int fallback) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            throw fail(field, "must be an integer, got " + n);
        }
        return n.asInt();
    }

    private float number(String field, float fallback) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isNumber()) {
            throw fail(field, "must be a number, got " + n);
        }
        return (float) n.asDouble();
    }

    private boolean bool(String field, boolean fallback) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw fail(field, "must be true or false, got " + n);
        }
        return n.asBoolean();
    }

    private String string(String field, String fallback) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isTextual()) {
            throw fail(field, "must be a string, got " + n);
        }
        return n.asText();
    }

    private CheckpointException fail(String field, String problem) {
        return new CheckpointException(file + ": field \"" + field + "\" " + problem);
    }
}
