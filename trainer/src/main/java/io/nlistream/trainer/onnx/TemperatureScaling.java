package io.nlistream.trainer.onnx;

import io.nlistream.trainer.onnx.proto.Onnx.GraphProto;
import io.nlistream.trainer.onnx.proto.Onnx.ModelProto;
import io.nlistream.trainer.onnx.proto.Onnx.NodeProto;
import io.nlistream.trainer.onnx.proto.Onnx.TensorProto;

/**
 * The one place calibration enters the model: the {@code probabilities} output becomes softmax(logits / T) by a Div
 * before its Softmax; {@code logits} stay raw. Works on any exported graph (both architectures, every precision),
 * and on an already scaled one (the temperature is replaced), so a bundle can be recalibrated without re-exporting.
 */
public final class TemperatureScaling {
    public static final String INITIALIZER = "calibration_temperature";
    private static final String SCALED = "calibrated_logits";

    private TemperatureScaling() {}

    public static ModelProto apply(ModelProto model, double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a positive number, got " + temperature);
        }
        GraphProto.Builder g = model.getGraph().toBuilder();
        TensorProto t = TensorProto.newBuilder()
                .setName(INITIALIZER)
                .setDataType(TensorProto.DataType.FLOAT.getNumber())
                .addFloatData((float) temperature)
                .build();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals(INITIALIZER)) {
                g.setInitializer(i, t);
                return model.toBuilder().setGraph(g).build();
            }
        }
        if (temperature == 1) {
            return model; // an uncalibrated model stays byte-identical
        }
        String softmaxOut = producerInput(g, ArchitectureExporter.PROBABILITIES, "Identity");
        int softmax = producer(g, softmaxOut, "Softmax");
        NodeProto s = g.getNode(softmax);
        g.addInitializer(t);
        g.setNode(softmax, s.toBuilder().setInput(0, SCALED));
        // nodes are topologically sorted: the Div goes right before the Softmax that reads it
        g.addNode(
                softmax,
                NodeProto.newBuilder()
                        .setOpType("Div")
                        .setName(SCALED)
                        .addInput(s.getInput(0))
                        .addInput(INITIALIZER)
                        .addOutput(SCALED));
        return model.toBuilder().setGraph(g).build();
    }

    private static String producerInput(GraphProto.Builder g, String output, String opType) {
        return g.getNode(producer(g, output, opType)).getInput(0);
    }

    private static int producer(GraphProto.Builder g, String output, String opType) {
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            if (n.getOutputList().contains(output)) {
                if (!n.getOpType().equals(opType)) {
                    throw new IllegalArgumentException("cannot calibrate: " + output + " comes from " + n.getOpType()
                            + ", expected " + opType + " (not an nli-trainer export?)");
                }
                return i;
            }
        }
        throw new IllegalArgumentException("cannot calibrate: the graph has no " + output);
    }
}
