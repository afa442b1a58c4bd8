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

    /** The manifest's architecture name: deberta-v2 or roberta. */
    String architecture();

    ModelProto export(ModelConfig config, Weights weights, Precision precision);

    /** The shared signature: declares the inputs and returns nothing; exporters read the inputs by name. */
    static void declareInputs(GraphBuilder g) {
        g.input(INPUT_IDS, DataType.INT64, "batch", "sequence");
        g.input(ATTENTION_MASK, DataType.INT64, "batch", "sequence");
    }

    static void declareOutputs(Ops ops, String logits, int labels) {
        GraphBuilder g = ops.graph();
        g.output(logits, LOGITS, DataType.FLOAT, "batch", (long) labels);
        g.output(ops.softmax(logits), PROBABILITIES, DataType.FLOAT, "batch", (long) labels);
    }
}
