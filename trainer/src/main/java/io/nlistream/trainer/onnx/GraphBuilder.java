package io.nlistream.trainer.onnx;

import com.google.protobuf.ByteString;
import io.nlistream.trainer.onnx.proto.Onnx.AttributeProto;
import io.nlistream.trainer.onnx.proto.Onnx.GraphProto;
import io.nlistream.trainer.onnx.proto.Onnx.ModelProto;
import io.nlistream.trainer.onnx.proto.Onnx.NodeProto;
import io.nlistream.trainer.onnx.proto.Onnx.OperatorSetIdProto;
import io.nlistream.trainer.onnx.proto.Onnx.TensorProto;
import io.nlistream.trainer.onnx.proto.Onnx.TensorProto.DataType;
import io.nlistream.trainer.onnx.proto.Onnx.TensorShapeProto;
import io.nlistream.trainer.onnx.proto.Onnx.TypeProto;
import io.nlistream.trainer.onnx.proto.Onnx.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds an ONNX graph one node at a time. Every helper returns the name of the value it produced; names are
 * made unique from a readable prefix ({@code layer.3.attn.scores_0}), so a graph stays debuggable in Netron.
 * Scalar and small int64 constants are interned: asking twice for {@code ints(0, 2, 1, 3)} gives one initializer.
 */
public final class GraphBuilder {
    /** ONNX Runtime 1.22 (Java) reads IR ≤ 10 and opset ≤ 22; 17 is the first opset with LayerNormalization. */
    public static final int IR_VERSION = 8;

    public static final int OPSET = 17;

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Map<String, Integer> counters = new HashMap<>();
    private final Map<String, String> constants = new HashMap<>();
    private final java.util.Set<String> initializers = new java.util.HashSet<>();
    private String scope = "";

    public GraphBuilder(String name) {
        graph.setName(name);
    }

    /** Prefix for the names of the values created until the next call ({@code "layer.0."}, {@code ""}). */
    public void scope(String prefix) {
        scope = prefix;
    }

    /** A graph input; a dimension is a fixed {@code Long} or a symbolic {@code String} such as "batch". */
    public String input(String name, DataType type, Object... dims) {
        graph.addInput(valueInfo(name, type, dims));
        return name;
    }

    /** Renames {@code value} to the graph output {@code name} through an Identity node. */
    public void output(String value, String name, DataType type, Object... dims) {
        graph.addNode(NodeProto.newBuilder()
                .setOpType("Identity")
                .setName(name + "_out")
                .addInput(value)
                .addOutput(name));
        graph.addOutput(valueInfo(name, type, dims));
    }

    public String floats(String name, Tensor t) {
        ByteBuffer b = ByteBuffer.allocate(t.data().length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(t.data());
        return initializer(name, DataType.FLOAT, t.shape(), b.array());
    }

    /** {@link #floats}, or the name alone when that initializer already exists (a weight read twice). */
    public String floatsOnce(String name, Tensor t) {
        return initializers.contains(name) ? name : floats(name, t);
    }

    public String halves(String name, Tensor t) {
        ByteBuffer b = ByteBuffer.allocate(t.data().length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : t.data()) {
            b.putShort(Fp16.fromFloat(v));
        }
        return initializer(name, DataType.FLOAT16, t.shape(), b.array());
    }

    public String bytes(String name, DataType type, long[] shape, byte[] data) {
        return initializer(name, type, shape, data);
    }

    public String longs(String name, long[] shape, long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return initializer(name, DataType.INT64, shape, b.array());
    }

    /** A 1-D int64 constant (shapes, axes, permutations). */
    public String ints(long... values) {
        String key = "i" + java.util.Arrays.toString(values);
        return constants.computeIfAbsent(key, k -> longs(unique("const_ints"), new long[] {values.length}, values));
    }

    /** An int64 scalar. */
    public String scalar(long value) {
        return constants.computeIfAbsent(
                "l" + value, k -> longs(unique("const_long"), new long[0], new long[] {value}));
    }

    /** A float32 scalar. */
    public String scalar(float value) {
        return constants.computeIfAbsent(
                "f" + Float.floatToRawIntBits(value),
                k -> floats(unique("const_float"), new Tensor(new long[0], new float[] {value})));
    }

    /** One node with one output; {@code attrs} come from the static {@code attr} helpers. */
    public String op(String opType, List<String> inputs, AttributeProto... attrs) {
        String out = unique(scope + opType);
        NodeProto.Builder n = NodeProto.newBuilder()
                .setOpType(opType)
                .setName(out)
                .addAllInput(inputs)
                .addOutput(out);
        for (AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return out;
    }

    /** One node with several outputs (DynamicQuantizeLinear). */
    public List<String> opN(String opType, int outputs, List<String> inputs, AttributeProto... attrs) {
        String base = unique(scope + opType);
        NodeProto.Builder n =
                NodeProto.newBuilder().setOpType(opType).setName(base).addAllInput(inputs);
        List<String> outs = java.util.stream.IntStream.range(0, outputs)
                .mapToObj(i -> base + "_" + i)
                .toList();
        n.addAllOutput(outs);
        for (AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        graph.addNode(n);
        return outs;
    }

    public String op(String opType, String input, AttributeProto... attrs) {
        return op(opType, List.of(input), attrs);
    }

    public String op(String opType, String a, String b, AttributeProto... attrs) {
        return op(opType, List.of(a, b), attrs);
    }

    public static AttributeProto attr(String name, long value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.INT)
                .setI(value)
                .build();
    }

    public static AttributeProto attr(String name, float value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.FLOAT)
                .setF(value)
                .build();
    }

    public static AttributeProto attrInts(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    public ModelProto model(String producerVersion, String docString) {
        return ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("nli-stream trainer")
                .setProducerVersion(producerVersion)
                .setDocString(docString)
                .setGraph(graph)
                .build();
    }

    private String initializer(String name, DataType type, long[] shape, byte[] raw) {
        if (!initializers.add(name)) {
            throw new IllegalStateException("initializer '" + name + "' is emitted twice");
        }
        TensorProto.Builder t = TensorProto.newBuilder()
                .setName(name)
                .setDataType(type.getNumber())
                .setRawData(ByteString.copyFrom(raw));
        for (long d : shape) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    private String unique(String prefix) {
        int n = counters.merge(prefix, 1, Integer::sum) - 1;
        return prefix + "_" + n;
    }

    private static ValueInfoProto valueInfo(String name, DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String s) {
                dim.setDimParam(s);
            } else {
                dim.setDimValue(((Number) d).longValue());
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder()
                                .setElemType(type.getNumber())
                                .setShape(shape)))
                .build();
    }
}
