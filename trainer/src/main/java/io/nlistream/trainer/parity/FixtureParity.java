package io.nlistream.trainer.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.nlistream.trainer.checkpoint.CheckpointException;
import io.nlistream.trainer.checkpoint.Safetensors;
import io.nlistream.trainer.model.ClassifierOutput;
import io.nlistream.trainer.model.LoadedModel;
import io.nlistream.trainer.model.PretrainedModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checks the model implementation against a reference fixture directory (config.json + model weights +
 * expected.safetensors, the format of fixtures/README.md): runs the fixture's inputs in eval mode and measures
 * the max absolute difference of the logits and of every hidden state the fixture holds.
 */
public final class FixtureParity {
    /** Logits and hidden states of a faithful fp32 implementation are within this of the reference. */
    public static final double TOLERANCE = 1e-4;

    public static final String EXPECTED = "expected.safetensors";

    /** Differences by tensor name ({@code logits}, {@code probabilities}, {@code hidden_states.i}, ...). */
    public record Result(Path dir, String architecture, Map<String, Double> maxAbsDiff, double tolerance) {
        public double logits() {
            return maxAbsDiff.get("logits");
        }

        public boolean pass() {
            return maxAbsDiff.values().stream().allMatch(d -> d <= tolerance);
        }
    }

    private FixtureParity() {}

    public static Result check(Path dir) {
        Path expectedFile = dir.resolve(EXPECTED);
        if (!Files.isRegularFile(expectedFile)) {
            throw new CheckpointException(
                    dir + " has no " + EXPECTED + ": a parity fixture holds config.json, the model"
                            + " weights and expected.safetensors (input_ids, attention_mask, logits, hidden_states.N)");
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            LoadedModel loaded = PretrainedModels.load(dir, manager);
            Map<String, NDArray> expected = Safetensors.read(expectedFile, manager);
            for (String required : new String[] {"input_ids", "attention_mask", "logits"}) {
                if (!expected.containsKey(required)) {
                    throw new CheckpointException(expectedFile + " lacks the tensor '" + required + "'");
                }
            }
            try (NDManager batch = manager.newSubManager()) {
                NDArray ids = expected.get("input_ids").duplicate();
                NDArray mask = expected.get("attention_mask").duplicate();
                ids.attach(batch);
                mask.attach(batch);
                ClassifierOutput out =
                        loaded.model().classify(new ParameterStore(batch, false), ids, mask, false, true);
                Map<String, NDArray> actual = new LinkedHashMap<>();
                actual.put("logits", out.logits());
                actual.put("probabilities", out.logits().softmax(-1));
                for (int i = 0; i < out.hiddenStates().size(); i++) {
                    actual.put("hidden_states." + i, out.hiddenStates().get(i));
                }
                actual.put("embedding_output", out.hiddenStates().get(0));
                actual.put("last_hidden_state", out.lastHiddenState());
                Map<String, Double> diffs = new LinkedHashMap<>();
                for (Map.Entry<String, NDArray> e : actual.entrySet()) {
                    NDArray ref = expected.get(e.getKey());
                    if (ref == null) {
                        continue;
                    }
                    if (!ref.getShape().equals(e.getValue().getShape())) {
                        throw new CheckpointException(expectedFile + ": " + e.getKey() + " has shape " + ref.getShape()
                                + " but the model computes " + e.getValue().getShape());
                    }
                    diffs.put(e.getKey(), (double)
                            e.getValue().sub(ref).abs().max().getFloat());
                }
                return new Result(dir, loaded.config().architecture().className(), diffs, TOLERANCE);
            }
        }
    }
}
