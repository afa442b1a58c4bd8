package io.nlistream.trainer.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Matches checkpoint weight names to a model's parameter names the way transformers' {@code from_pretrained} does:
 * legacy LayerNorm {@code gamma}/{@code beta} names are renamed, a base-model checkpoint (keys without the
 * {@code deberta.}/{@code roberta.} prefix) is prefixed, {@code position_ids} buffers are ignored. A shape mismatch is
 * an error; missing weights are allowed only in the classification head (and DeBERTa's pooler), which a base checkpoint
 * does not have.
 */
public final class StateDictMatcher {
    private StateDictMatcher() {}

    /** Model parameters with their checkpoint tensor, plus the report of what did not match. */
    public record Match(Map<String, NDArray> matched, LoadReport report) {}

    /**
     * @param expected the model's parameter names (HF names) and shapes
     * @param weights the checkpoint's tensors by name
     * @param headPrefixes name prefixes of weights a base checkpoint legitimately lacks
     */
    public static Match match(
            Map<String, Shape> expected,
            Map<String, NDArray> weights,
            Architecture architecture,
            List<String> headPrefixes,
            String source) {
        String prefix = architecture.basePrefix() + ".";
        boolean hasPrefixed = weights.keySet().stream().anyMatch(k -> k.startsWith(prefix));
        Map<String, NDArray> renamed = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : weights.entrySet()) {
            String key = e.getKey();
            if (key.endsWith("position_ids")) {
                continue; // a buffer older checkpoints saved; transformers drops it silently
            }
            key = renameLegacy(key);
            if (!hasPrefixed && !expected.containsKey(key) && expected.containsKey(prefix + key)) {
                key = prefix + key;
            }
            renamed.put(key, e.getValue());
        }
        Map<String, NDArray> matched = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, Shape> e : expected.entrySet()) {
            NDArray w = renamed.get(e.getKey());
            if (w == null) {
                missing.add(e.getKey());
            } else if (!w.getShape().equals(e.getValue())) {
                mismatched.add("size mismatch for " + e.getKey() + ": copying a param with shape " + w.getShape()
                        + " from checkpoint, the shape in current model is " + e.getValue());
            } else {
                matched.put(e.getKey(), w);
            }
        }
        String modelClass = architecture.className();
        if (!mismatched.isEmpty()) {
            throw new CheckpointException("Error(s) in loading " + source + " into " + modelClass + ":\n\t"
                    + String.join("\n\t", mismatched)
                    + "\nconfig.json does not describe these weights: use the config.json that came with them");
        }
        List<String> encoderMissing = missing.stream()
                .filter(k -> headPrefixes.stream().noneMatch(k::startsWith))
                .toList();
        if (!encoderMissing.isEmpty()) {
            throw new CheckpointException(source + " lacks " + encoderMissing.size() + " encoder weight(s) of "
                    + modelClass + ", e.g. " + encoderMissing.subList(0, Math.min(5, encoderMissing.size()))
                    + ": it is not a checkpoint of this architecture, or its config.json does not match it");
        }
        List<String> unexpected =
                renamed.keySet().stream().filter(k -> !expected.containsKey(k)).toList();
        return new Match(matched, new LoadReport(source, modelClass, unexpected, List.copyOf(missing)));
    }

    private static String renameLegacy(String key) {
        if (key.endsWith(".gamma")) {
            return key.substring(0, key.length() - ".gamma".length()) + ".weight";
        }
        if (key.endsWith(".beta")) {
            return key.substring(0, key.length() - ".beta".length()) + ".bias";
        }
        return key;
    }
}
