package io.nlistream.trainer.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import io.nlistream.trainer.model.HfLinear;
import io.nlistream.trainer.model.SequenceClassifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Puts LoRA on a {@link SequenceClassifier} as PEFT's {@code get_peft_model(task_type=SEQ_CLS)} does: every linear
 * whose module name ends with a target name is wrapped in a {@link LoraLinear}; the trainable set is the LoRA matrices
 * plus the {@code classifier} module (PEFT's modules_to_save), everything else (DeBERTa's pooler included) stays
 * frozen.
 */
public final class Lora {
    /** PEFT's SEQ_CLS trainable set, on the model's parameter names. */
    public static final Predicate<String> TRAINABLE =
            name -> name.contains(".lora_A.") || name.contains(".lora_B.") || name.startsWith("classifier.");

    /** Trainable and total parameter counts, PEFT's {@code print_trainable_parameters}. */
    public record Counts(long trainable, long all) {
        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "trainable params: %,d || all params: %,d || trainable%%: %.4f",
                    trainable,
                    all,
                    100.0 * trainable / all);
        }
    }

    private Lora() {}

    /**
     * Wraps the target linears; A is Kaiming-uniform (PEFT's default, bound 1/√in) and B zero, so the model's outputs
     * are unchanged until training. New arrays live in {@code manager}.
     *
     * @return the wrapped module paths
     */
    public static List<String> apply(SequenceClassifier model, LoraConfig config, NDManager manager) {
        List<String> targets = new ArrayList<>();
        for (Map.Entry<String, Block> e : model.namedModules().entrySet()) {
            String path = e.getKey();
            if (e.getValue() instanceof HfLinear && !path.startsWith("classifier.") && isTarget(path, config)) {
                targets.add(path);
            }
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("no linear module matches the LoRA targets " + config.targetModules()
                    + "; this model's attention linears are named " + attentionLinears(model));
        }
        for (String path : targets) {
            HfLinear base = (HfLinear) model.module(path);
            int rank = config.rank(path);
            LoraLinear lora = new LoraLinear(base, rank, config.scaling(path), config.dropout());
            float bound = (float) (1 / Math.sqrt(base.inFeatures()));
            lora.loraA()
                    .weight()
                    .setArray(
                            manager.randomUniform(-bound, bound, new Shape(rank, base.inFeatures()), DataType.FLOAT32));
            lora.loraB().weight().setArray(manager.zeros(new Shape(base.outFeatures(), rank), DataType.FLOAT32));
            model.replaceModule(path, lora);
        }
        return targets;
    }

    private static boolean isTarget(String path, LoraConfig config) {
        for (String t : config.targetModules()) {
            if (path.equals(t) || path.endsWith("." + t)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> attentionLinears(SequenceClassifier model) {
        return model.namedModules().entrySet().stream()
                .filter(e -> e.getValue() instanceof HfLinear && e.getKey().contains(".layer.0.attention."))
                .map(e -> e.getKey().substring(e.getKey().lastIndexOf('.') + 1))
                .distinct()
                .toList();
    }

    /**
     * PEFT's counts: trainable = LoRA + classifier; all = every parameter plus the classifier once more, because PEFT
     * keeps the original head beside its trainable copy.
     */
    public static Counts counts(SequenceClassifier model) {
        long trainable = 0;
        long all = 0;
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            long n = e.getValue().getArray().size();
            all += n;
            if (TRAINABLE.test(e.getKey())) {
                trainable += n;
                if (e.getKey().startsWith("classifier.")) {
                    all += n;
                }
            }
        }
        return new Counts(trainable, all);
    }

    /**
     * Folds every LoRA update into its base weight ({@code W += scaling·B·A}) and unwraps it (merge_and_unload). The
     * one merge: the PEFT parity check and the ONNX export ({@link PeftAdapter#merge}) both run it.
     *
     * @return the merged module paths
     */
    public static List<String> merge(SequenceClassifier model) {
        List<String> merged = new ArrayList<>();
        for (Map.Entry<String, Block> e : List.copyOf(model.namedModules().entrySet())) {
            if (e.getValue() instanceof LoraLinear lora) {
                NDArray w = lora.base().weight().getArray();
                try (NDArray delta = lora.loraB()
                        .weight()
                        .getArray()
                        .matMul(lora.loraA().weight().getArray())) {
                    w.addi(delta.muli((float) lora.scaling()));
                }
                model.replaceModule(e.getKey(), lora.base());
                merged.add(e.getKey());
            }
        }
        return merged;
    }
}
