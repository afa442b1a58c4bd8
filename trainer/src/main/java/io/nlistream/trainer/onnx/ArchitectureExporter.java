package io.nlistream.trainer.onnx;

import io.nlistream.trainer.checkpoint.ModelConfig;
import io.nlistream.trainer.onnx.proto.Onnx.ModelProto;
import io.nlistream.trainer.onnx.proto.Onnx.TensorProto.DataType;

/**
 * Writes one Hugging Face architecture as an ONNX graph: inputs {@code input_ids} and {@code attention_mask}
 * (int64 [batch, sequence]), outputs {@code logits} and {@code probabilities} (float32 [batch, labels]).
 */
public interface ArchitectureExporter {
    String INPUT_IDS = "input_ids";
    String ATTENTION_MASK = "attention_mask";
    String LOGITS = "logits";
    String PROBABILITIES = "probabilities";

    ModelProto export(ModelConfig config, Weights weights, Precision precision);

    /** The shared signature: declares the inputs and returns nothing; exporters read the inputs by name. */
    static void declareInputs(GraphBuilder g) {
        g.input(INPUT_IDS, DataType.INT64, "batch", "sequence");
        g.input(ATTENTION_MASK, DataType.INT64, "batch", "sequence");
    }

    /**
     * The head's last linear ({@link io.nlistream.trainer.checkpoint.Architecture#classifierWeight}), one row per
     * label of the config: refused by name when absent (a base checkpoint) or when its rows are not the labels.
     */
    static Tensor requireClassifier(ModelConfig config, Weights w) {
        String name = config.architecture().classifierWeight();
        if (!w.has(name)) {
            throw new IllegalArgumentException(w.source() + " has no classification head ('" + name + "'): it is a"
                    + " base checkpoint; fine-tune it first (nli-trainer train) or export a checkpoint trained"
                    + " for NLI");
        }
        Tensor head = w.get(name);
        if (head.dim(0) != config.labels().size()) {
            throw new IllegalArgumentException(w.source() + ": the classification head '" + name + "' has "
                    + head.dim(0) + " rows but config.json names "
                    + config.labels().size() + " labels "
                    + config.labels() + "; id2label must list one label per output of the head");
        }
        return head;
    }

    /** The graph's outputs, built here only: logits and their softmax as probabilities. */
    static void declareOutputs(Ops ops, String logits, int labels) {
        GraphBuilder g = ops.graph();
        g.output(logits, LOGITS, DataType.FLOAT, "batch", (long) labels);
        g.output(ops.softmax(logits), PROBABILITIES, DataType.FLOAT, "batch", (long) labels);
    }
}
