package io.nlistream.trainer.onnx;

import static io.nlistream.trainer.onnx.GraphBuilder.attr;
import static io.nlistream.trainer.onnx.GraphBuilder.attrInts;

import io.nlistream.trainer.onnx.proto.Onnx.TensorProto.DataType;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The transformer building blocks both exporters share, emitted for one {@link Precision}. Only the matrix
 * products change with precision: fp16 casts around each MatMul, int8 quantises the weights of linear layers
 * (symmetric per output column, 7-bit so the AVX2 u8·s8 kernel cannot saturate) and their input per call.
 */
public final class Ops {
    private final GraphBuilder g;
    private final Precision precision;
    /**
     * Weight name → the right-hand side of its MatMul, so a weight used twice (DeBERTa's shared keys) is stored once.
     */
    private final Map<String, Function<String, String>> products = new HashMap<>();

    public Ops(GraphBuilder g, Precision precision) {
        this.g = g;
        this.precision = precision;
    }

    public GraphBuilder graph() {
        return g;
    }

    /** {@code x · Wᵀ + b} for an nn.Linear weight [out, in] named {@code name}; {@code bias} may be null. */
    public String linear(String x, String name, Tensor weight, Tensor bias) {
        String y = products.computeIfAbsent(name, n -> product(n, weight.transpose2d()))
                .apply(x);
        return bias == null ? y : g.op("Add", y, g.floatsOnce(name + ".bias", bias));
    }

    /**
     * {@code t · factor}: a linear's weight and bias scaled at export fold a constant factor of its output (the
     * attention scale on the keys) into the product instead of a Mul per batch.
     */
    public static Tensor scaled(Tensor t, float factor) {
        float[] d = t.data().clone();
        for (int i = 0; i < d.length; i++) {
            d[i] *= factor;
        }
        return new Tensor(t.shape(), d);
    }

    /**
     * Rows of an embedding table; fp16 stores the table in half precision (it is most of the file) and gathers from it.
     */
    public String embedding(String ids, String name, Tensor table) {
        if (precision == Precision.FP16) {
            return toFloat(g.op("Gather", g.halves(name, table), ids));
        }
        return g.op("Gather", g.floats(name, table), ids);
    }

    /** A product of two activations (attention scores, context); fp16 computes it in half precision. */
    public String matmul(String a, String b) {
        if (precision == Precision.FP16) {
            return toFloat(g.op("MatMul", toHalf(a), toHalf(b)));
        }
        return g.op("MatMul", a, b);
    }

    public String layerNorm(String x, String name, Tensor weight, Tensor bias, float eps) {
        return g.op(
                "LayerNormalization",
                List.of(x, g.floatsOnce(name + ".weight", weight), g.floatsOnce(name + ".bias", bias)),
                attr("axis", -1L),
                attr("epsilon", eps));
    }

    /** HF's ACT2FN by name: gelu is the exact erf form, as transformers computes it. */
    public String activation(String x, String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "gelu" -> gelu(x);
            case "tanh" -> g.op("Tanh", x);
            case "relu" -> g.op("Relu", x);
            default ->
                throw new IllegalArgumentException("activation '" + name
                        + "' is not supported by the ONNX exporter (supported: gelu, tanh, relu)");
        };
    }

    /**
     * (x·0.5)·(1 + erf(x/√2)), the node order ONNX Runtime fuses into its Gelu kernel whatever produces x (torch's
     * order, x·(1 + erf)·0.5, is left unfused when x comes from a Mul: DeBERTa's masked conv output).
     */
    public String gelu(String x) {
        String erf = g.op("Erf", g.op("Div", x, g.scalar((float) Math.sqrt(2))));
        return g.op("Mul", g.op("Mul", x, g.scalar(0.5f)), g.op("Add", erf, g.scalar(1f)));
    }

    public String add(String a, String b) {
        return g.op("Add", a, b);
    }

    public String mul(String a, String b) {
        return g.op("Mul", a, b);
    }

    public String reshape(String x, long... shape) {
        return g.op("Reshape", x, g.ints(shape));
    }

    public String transpose(String x, long... perm) {
        return g.op("Transpose", x, attrInts("perm", perm));
    }

    public String softmax(String x) {
        return g.op("Softmax", x, attr("axis", -1L));
    }

    public String cast(String x, DataType to) {
        return g.op("Cast", x, attr("to", (long) to.getNumber()));
    }

    /**
     * The shape [-1, L, tail…] of a batch's rows seen per sequence, {@code length} the [1] tensor L. The exporters
     * keep activations as 2-D [B·L, H] rows, where ONNX Runtime fuses each linear's MatMul and bias Add into one Gemm
     * (it fuses only 2-D products); attention, the conv and the head reshape with this.
     */
    public String sequenceShape(String length, long... tail) {
        return g.op("Concat", List.of(g.ints(-1), length, g.ints(tail)), attr("axis", 0L));
    }

    /** Rows [B·L, H·d] → [B, H, L, d], {@code headsShape} the {@link #sequenceShape} [-1, L, H, d]. */
    public String splitHeads(String rows, String headsShape) {
        return transpose(g.op("Reshape", rows, headsShape), 0, 2, 1, 3);
    }

    /** [B, H, L, d] → rows [B·L, H·d]. */
    public String mergeHeads(String x, int width) {
        return reshape(transpose(x, 0, 2, 1, 3), -1, width);
    }

    /** Each sequence's first token: rows [B·L, H] → [B, H], {@code sequenceShape} the [-1, L, H]. */
    public String firstTokens(String rows, String sequenceShape) {
        return g.op("Gather", g.op("Reshape", rows, sequenceShape), g.scalar(0L), attr("axis", 1L));
    }

    /**
     * The attention mask [B, L] as float (1 real, 0 padding) → the values {@link #maskedSoftmax} adds to the scores:
     * 0 for a real token, float32's lowest for padding, the value transformers fills masked scores with.
     */
    public String maskBias(String mask) {
        return mul(g.op("Sub", mask, g.scalar(1f)), g.scalar(Float.MAX_VALUE));
    }

    /**
     * Attention probabilities with a {@link #maskBias} (broadcast to the scores) added: a kept score is unchanged, a
     * masked one becomes float32's lowest as in transformers (a fully masked row stays uniform, not NaN). An Add runs
     * in under half the time of a Where over the same [B, H, L, L] scores in ONNX Runtime.
     */
    public String maskedSoftmax(String scores, String maskBias) {
        return softmax(add(scores, maskBias));
    }

    private String toHalf(String x) {
        return cast(x, DataType.FLOAT16);
    }

    private String toFloat(String x) {
        return cast(x, DataType.FLOAT);
    }

    private Function<String, String> product(String name, Tensor wt) {
        return switch (precision) {
            case FP32 -> {
                String w = g.floats(name + ".weight", wt);
                yield x -> g.op("MatMul", x, w);
            }
            case FP16 -> {
                String w = g.halves(name + ".weight", wt);
                yield x -> toFloat(g.op("MatMul", toHalf(x), w));
            }
            case INT8 -> quantizedMatMul(name, wt);
        };
    }

    /** The pattern ORT's quantize_dynamic emits, which ORT fuses into one DynamicQuantizeMatMul kernel. */
    private Function<String, String> quantizedMatMul(String name, Tensor wt) {
        int in = wt.dim(0);
        int out = wt.dim(1);
        float[] scale = new float[out];
        for (int j = 0; j < out; j++) {
            float max = 0;
            for (int i = 0; i < in; i++) {
                max = Math.max(max, Math.abs(wt.data()[i * out + j]));
            }
            scale[j] = max == 0 ? 1f : max / 63f;
        }
        byte[] q = new byte[in * out];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < out; j++) {
                q[i * out + j] = (byte) Math.max(-63, Math.min(63, Math.round(wt.data()[i * out + j] / scale[j])));
            }
        }
        String wq = g.bytes(name + ".weight_quantized", DataType.INT8, wt.shape(), q);
        String wZero = g.bytes(name + ".weight_zero_point", DataType.INT8, new long[] {out}, new byte[out]);
        String wScale = g.floats(name + ".weight_scale", new Tensor(new long[] {out}, scale));
        return x -> {
            List<String> xq = g.opN("DynamicQuantizeLinear", 3, List.of(x));
            String acc = g.op("MatMulInteger", List.of(xq.get(0), wq, xq.get(2), wZero));
            String scales = g.op("Mul", xq.get(1), wScale);
            return g.op("Mul", cast(acc, DataType.FLOAT), scales);
        };
    }
}
