package io.nlistream.trainer.parity;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.nlistream.trainer.checkpoint.CheckpointException;
import io.nlistream.trainer.checkpoint.Safetensors;
import io.nlistream.trainer.model.PretrainedModels;
import io.nlistream.trainer.model.SequenceClassifier;
import io.nlistream.trainer.model.lora.Lora;
import io.nlistream.trainer.model.lora.LoraConfig;
import io.nlistream.trainer.model.lora.PeftAdapter;
import io.nlistream.trainer.train.AdamW;
import io.nlistream.trainer.train.EncoderTrainable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checks LoRA training against a PEFT step fixture ({@code base/}, {@code adapter/}, {@code expected.safetensors}, the
 * format of fixtures/README.md): from the fixture's initial LoRA + head, the train-mode loss, every gradient
 * and the parameters after 1 and 5 AdamW steps (constant lr 2e-4, wd 0.01, transformers' grouping); then the eval
 * logits of the saved adapter, unmerged and merged into the base weights.
 */
public final class LoraFixtureParity {
    /** Loss, gradients and parameters: within 1e-5 absolute or 1e-4 relative; logits within 1e-4. */
    public static final double STEP_TOLERANCE = 1e-5;

    public static final double RELATIVE_TOLERANCE = 1e-4;
    public static final double LOGITS_TOLERANCE = 1e-4;
    private static final double LR = 2e-4;

    /** One compared quantity: its max abs diff and whether every element is within tolerance. */
    public record Diff(double maxAbs, boolean pass) {}

    /** Compared quantities by name: loss, logits0, grads, step1, step5, logits_unmerged_eval, logits_merged_eval. */
    public record Result(Path dir, String architecture, Lora.Counts counts, Map<String, Diff> diffs) {
        public boolean pass() {
            return diffs.values().stream().allMatch(Diff::pass);
        }
    }

    private LoraFixtureParity() {}

    /** Whether {@code dir} has the layout of a LoRA step fixture. */
    public static boolean isLoraFixture(Path dir) {
        return Files.isDirectory(dir.resolve("base"))
                && Files.isRegularFile(dir.resolve("adapter").resolve(PeftAdapter.CONFIG_FILE));
    }

    public static Result check(Path dir) {
        Path expectedFile = dir.resolve("expected.safetensors");
        if (!isLoraFixture(dir) || !Files.isRegularFile(expectedFile)) {
            throw new CheckpointException(dir + " is not a LoRA fixture: it needs base/ (config.json + weights),"
                    + " adapter/adapter_config.json and expected.safetensors");
        }
        Map<String, Diff> diffs = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> expected = Safetensors.read(expectedFile, manager);
            SequenceClassifier model =
                    PretrainedModels.load(dir.resolve("base"), manager).model();
            LoraConfig config = PeftAdapter.readConfig(dir.resolve("adapter"));
            Lora.apply(model, config, manager);
            Lora.Counts counts = Lora.counts(model);
            model.namedParameters().forEach((name, p) -> {
                if (Lora.TRAINABLE.test(name)) { // set before unfreezing: no in-place writes to gradient leaves
                    p.getArray()
                            .set(require(expected, "init/" + PeftAdapter.peftParameterName(name))
                                    .toFloatArray());
                }
            });
            EncoderTrainable trainable = new EncoderTrainable(model, manager, Lora.TRAINABLE);
            Map<String, NDArray> params = trainable.trainableParameters();
            NDArray ids = require(expected, "input_ids");
            NDArray mask = require(expected, "attention_mask");
            NDArray labels = require(expected, "labels");
            AdamW adamw = new AdamW(0.9, 0.999, 1e-8, 0.01);
            for (int step = 1; step <= 5; step++) {
                try (NDManager batch = manager.newSubManager()) {
                    Map<String, NDArray> grads = new LinkedHashMap<>();
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        NDArray logits = trainable.logits(ids, mask, true);
                        NDArray logProbs = logits.logSoftmax(-1);
                        NDArray loss =
                                logProbs.gather(labels.expandDims(1), 1).mean().neg();
                        collector.backward(loss);
                        if (step == 1) {
                            diffs.put("loss", diff(loss.reshape(1), require(expected, "loss0"), STEP_TOLERANCE));
                            diffs.put("logits0", diff(logits, require(expected, "logits0"), LOGITS_TOLERANCE));
                        }
                        logits.attach(batch);
                        loss.attach(batch);
                        logProbs.attach(batch);
                    }
                    params.forEach((name, p) -> {
                        NDArray g = p.getGradient();
                        g.attach(batch);
                        grads.put(name, g);
                    });
                    if (step == 1) {
                        diffs.put("grads", worst(grads, expected, "grad/"));
                    }
                    adamw.step(params, grads, LR);
                    grads.values().forEach(g -> g.subi(g));
                }
                if (step == 1 || step == 5) {
                    diffs.put("step" + step, worst(params, expected, "step" + step + "/"));
                }
            }
            diffs.putAll(adapterLogits(dir, expected, ids, mask));
            return new Result(dir, model.config().architecture().className(), counts, diffs);
        }
    }

    /** Eval logits of {@code adapter/} on {@code base/}: as loaded, then merged into the base weights. */
    private static Map<String, Diff> adapterLogits(Path dir, Map<String, NDArray> expected, NDArray ids, NDArray mask) {
        Map<String, Diff> out = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            SequenceClassifier model =
                    PretrainedModels.load(dir.resolve("base"), manager).model();
            PeftAdapter.load(model, dir.resolve("adapter"), manager);
            ParameterStore ps = new ParameterStore(manager, false);
            out.put(
                    "logits_unmerged_eval",
                    diff(
                            model.classify(ps, ids, mask, false, false).logits(),
                            require(expected, "logits_unmerged_eval"),
                            LOGITS_TOLERANCE));
            Lora.merge(model);
            out.put(
                    "logits_merged_eval",
                    diff(
                            model.classify(ps, ids, mask, false, false).logits(),
                            require(expected, "logits_merged_eval"),
                            LOGITS_TOLERANCE));
        }
        return out;
    }

    private static Diff worst(Map<String, NDArray> actual, Map<String, NDArray> expected, String prefix) {
        double max = 0;
        boolean pass = true;
        for (Map.Entry<String, NDArray> e : actual.entrySet()) {
            Diff d = diff(
                    e.getValue(),
                    require(expected, prefix + PeftAdapter.peftParameterName(e.getKey())),
                    STEP_TOLERANCE);
            max = Math.max(max, d.maxAbs());
            pass &= d.pass();
        }
        return new Diff(max, pass);
    }

    /** Every element within {@code absolute}, or within 1e-4 of the reference's magnitude. */
    private static Diff diff(NDArray actual, NDArray expected, double absolute) {
        float[] a = actual.toFloatArray();
        float[] b = expected.toFloatArray();
        if (a.length != b.length) {
            throw new CheckpointException("shape mismatch against " + expected.getName() + ": " + actual.getShape()
                    + " vs " + expected.getShape());
        }
        double max = 0;
        boolean pass = true;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]);
            max = Math.max(max, d);
            pass &= d <= absolute || d <= RELATIVE_TOLERANCE * Math.abs(b[i]);
        }
        return new Diff(max, pass);
    }

    private static NDArray require(Map<String, NDArray> expected, String key) {
        NDArray a = expected.get(key);
        if (a == null) {
            throw new CheckpointException("the fixture's expected.safetensors lacks '" + key + "'");
        }
        return a;
    }
}
