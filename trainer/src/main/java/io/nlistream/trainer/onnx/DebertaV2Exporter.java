package io.nlistream.trainer.onnx;

import static io.nlistream.trainer.onnx.GraphBuilder.attr;
import static io.nlistream.trainer.onnx.GraphBuilder.attrInts;

import io.nlistream.trainer.checkpoint.DebertaV2Config;
import io.nlistream.trainer.checkpoint.ModelConfig;
import io.nlistream.trainer.model.RelativePositions;
import io.nlistream.trainer.onnx.proto.Onnx.ModelProto;
import io.nlistream.trainer.onnx.proto.Onnx.TensorProto.DataType;
import java.util.List;

/**
 * DebertaV2ForSequenceClassification as transformers computes it in eval mode: embeddings (+ LayerNorm, × mask),
 * disentangled attention (c2p and p2c over log-bucketed relative positions, keys shared with the content
 * projections, scores over √(3·d)), layer-normed relative embeddings, the conv layer after layer 0, exact-GELU
 * feed-forward, pooler (first token → dense → act) and classifier. Every value is read from config.json.
 */
public final class DebertaV2Exporter implements ArchitectureExporter {
    /** Distances the relative-position tables cover at least; longer inputs than max_position need this much. */
    private static final int MIN_SPAN = 512;

    @Override
    public ModelProto export(ModelConfig config, Weights w, Precision precision) {
        DebertaV2Config c = (DebertaV2Config) config;
        GraphBuilder g = new GraphBuilder("deberta-v2");
        Ops ops = new Ops(g, precision);
        ArchitectureExporter.declareInputs(g);
        int hidden = c.hiddenSize();
        int heads = c.numAttentionHeads();
        float eps = c.layerNormEps();
        boolean relative = c.relativeAttention();
        List<String> posAtt = new java.util.ArrayList<>();
        if (relative && c.c2p()) {
            posAtt.add("c2p");
        }
        if (relative && c.p2c()) {
            posAtt.add("p2c");
        }
        if (relative && !c.shareAttKey()) {
            throw new IllegalArgumentException(
                    w.source() + ": share_att_key=false is not supported by the ONNX exporter"
                            + " (camemberta and DeBERTa-v3 checkpoints share keys)");
        }
        int headSize = c.attentionHeadSize();

        String ids = INPUT_IDS;
        String maskF = ops.cast(ATTENTION_MASK, DataType.FLOAT);
        String maskRows = ops.reshape(maskF, -1, 1); // [B·L, 1]
        String shape = g.op("Shape", ids);
        String seqLen = g.op("Gather", shape, g.scalar(1L));
        String length = g.op("Unsqueeze", seqLen, g.ints(0));
        String sequenceShape = ops.sequenceShape(length, hidden);

        g.scope("embeddings.");
        String p = "deberta.embeddings.";
        String x = ops.embedding(ids, p + "word_embeddings.weight", w.get(p + "word_embeddings.weight"));
        if (c.positionBiasedInput()) {
            String positions = g.op("Range", List.of(g.scalar(0L), seqLen, g.scalar(1L)));
            x = ops.add(
                    x,
                    ops.embedding(
                            positions, p + "position_embeddings.weight", w.get(p + "position_embeddings.weight")));
        }
        if (c.typeVocabSize() > 0) {
            x = ops.add(
                    x,
                    g.floats(
                            p + "token_type_embeddings.weight",
                            w.get(p + "token_type_embeddings.weight").rows(0, 1)));
        }
        x = ops.reshape(x, -1, c.embeddingSize());
        if (c.embeddingSize() != hidden) {
            x = ops.linear(x, p + "embed_proj", w.get(p + "embed_proj.weight"), null);
        }
        x = ops.layerNorm(x, p + "LayerNorm", w.get(p + "LayerNorm.weight"), w.get(p + "LayerNorm.bias"), eps);
        x = ops.mul(x, maskRows);

        g.scope("encoder.");
        // [B, 1, L, L]: a query row and a key column both have to be real tokens (transformers' get_attention_mask),
        // so a score takes the lower of the two tokens' biases.
        String bias = ops.maskBias(maskF);
        String maskBias = g.op("Min", g.op("Unsqueeze", bias, g.ints(1, 2)), g.op("Unsqueeze", bias, g.ints(1, 3)));
        Relative rel = relative ? relative(c, w, ops, seqLen, length, eps) : null;
        String headsShape = ops.sequenceShape(length, heads, headSize);

        String layerInput = x;
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            g.scope("layer." + i + ".");
            String l = "deberta.encoder.layer." + i + ".";
            String attn = ops.mergeHeads(
                    attention(
                            ops,
                            w,
                            l + "attention.self.",
                            layerInput,
                            maskBias,
                            rel,
                            posAtt,
                            headsShape,
                            heads,
                            headSize),
                    hidden);
            attn = ops.linear(
                    attn,
                    l + "attention.output.dense",
                    w.get(l + "attention.output.dense.weight"),
                    w.get(l + "attention.output.dense.bias"));
            attn = ops.layerNorm(
                    ops.add(attn, layerInput),
                    l + "attention.output.LayerNorm",
                    w.get(l + "attention.output.LayerNorm.weight"),
                    w.get(l + "attention.output.LayerNorm.bias"),
                    eps);
            String mid = ops.activation(
                    ops.linear(
                            attn,
                            l + "intermediate.dense",
                            w.get(l + "intermediate.dense.weight"),
                            w.get(l + "intermediate.dense.bias")),
                    c.hiddenAct());
            String out = ops.linear(
                    mid, l + "output.dense", w.get(l + "output.dense.weight"), w.get(l + "output.dense.bias"));
            out = ops.layerNorm(
                    ops.add(out, attn),
                    l + "output.LayerNorm",
                    w.get(l + "output.LayerNorm.weight"),
                    w.get(l + "output.LayerNorm.bias"),
                    eps);
            if (i == 0 && c.convKernelSize() > 0) {
                out = conv(c, w, ops, layerInput, out, maskRows, sequenceShape, eps);
            }
            layerInput = out;
        }

        g.scope("head.");
        String first = ops.firstTokens(layerInput, sequenceShape);
        String pooled = ops.activation(
                ops.linear(first, "pooler.dense", w.get("pooler.dense.weight"), w.get("pooler.dense.bias")),
                c.poolerHiddenAct());
        Tensor classifier = ArchitectureExporter.requireClassifier(config, w);
        String logits = ops.linear(pooled, "classifier", classifier, w.get("classifier.bias"));
        ArchitectureExporter.declareOutputs(ops, logits, classifier.dim(0));
        return g.model("1", "DebertaV2ForSequenceClassification exported by nli-stream (" + precision.id() + ")");
    }

    /**
     * The per-model values every layer's disentangled attention reads: the relative embeddings, for c2p and p2c which
     * of their rows each score column takes ({@link #shiftRows}), and the shape values of {@link #relativeShift},
     * computed once per batch rather than in every layer.
     */
    private record Relative(
            String relEmbeddings,
            String c2pRows,
            String p2cRows,
            String shiftBegin,
            String shiftEnd,
            String shiftRowsShape,
            String length) {}

    private static Relative relative(DebertaV2Config c, Weights w, Ops ops, String seqLen, String length, float eps) {
        GraphBuilder g = ops.graph();
        int maxRelative = c.effectiveMaxRelativePositions();
        int buckets = c.positionBuckets();
        int attSpan = c.relativeSpan();
        int span = Math.max(MIN_SPAN, c.maxPositionEmbeddings());
        // Entry d + span − 1 of a table is the relative-embedding row of distance d (query − key).
        String c2pTable = g.longs(
                "c2p_position_table",
                new long[] {2L * span - 1},
                RelativePositions.table(span, 1, buckets, maxRelative, attSpan));
        String p2cTable = g.longs(
                "p2c_position_table",
                new long[] {2L * span - 1},
                RelativePositions.table(span, -1, buckets, maxRelative, attSpan));
        // Column c of the shifted scores holds distance L − 1 − c, table entry span + L − 2 − c, for c in [0, 2L).
        String start = g.op("Add", seqLen, g.scalar((long) span - 2));
        String twoL = g.op("Mul", seqLen, g.scalar(2L));
        String distances = g.op("Range", List.of(start, g.op("Sub", start, twoL), g.scalar(-1L)));
        // relativeShift's slice of the flat scores: from L − 1, L rows of 2L − 1.
        String width = g.op("Sub", g.op("Mul", length, g.ints(2)), g.ints(1));
        String begin = g.op("Sub", length, g.ints(1));
        String end = g.op("Add", begin, g.op("Mul", length, width));
        String rowsShape = g.op("Concat", List.of(g.ints(0, 0), length, width), attr("axis", 0L));

        Tensor table = w.get("deberta.encoder.rel_embeddings.weight").rows(0, 2 * attSpan);
        String relEmb = g.floats("deberta.encoder.rel_embeddings.weight", table);
        if (c.normRelEmbeddings()) {
            relEmb = ops.layerNorm(
                    relEmb,
                    "deberta.encoder.LayerNorm",
                    w.get("deberta.encoder.LayerNorm.weight"),
                    w.get("deberta.encoder.LayerNorm.bias"),
                    eps);
        }
        return new Relative(
                relEmb,
                g.op("Gather", c2pTable, distances),
                g.op("Gather", p2cTable, distances),
                begin,
                end,
                rowsShape,
                length);
    }

    /** Disentangled attention of rows x [B·L, H·d] → the context [B, H, L, d]. */
    private static String attention(
            Ops ops,
            Weights w,
            String p,
            String x,
            String maskBias,
            Relative rel,
            List<String> posAtt,
            String headsShape,
            int heads,
            int headSize) {
        Tensor qw = w.get(p + "query_proj.weight");
        Tensor qb = w.get(p + "query_proj.bias");
        // transformers divides the content, c2p and p2c scores by √(d·(1 + relative terms)); each is a product with
        // the key projection (of the tokens, or of the positions for c2p: shared keys), so its weight and bias are
        // divided here instead of a Mul over the keys and one over the [B, H, L, L] c2p scores per batch.
        float inverseScale = (float) (1 / Math.sqrt(headSize * (1.0 + posAtt.size())));
        Tensor kw = Ops.scaled(w.get(p + "key_proj.weight"), inverseScale);
        Tensor kb = Ops.scaled(w.get(p + "key_proj.bias"), inverseScale);
        String q = ops.splitHeads(ops.linear(x, p + "query_proj", qw, qb), headsShape);
        String k = ops.splitHeads(ops.linear(x, p + "key_proj", kw, kb), headsShape);
        String v = ops.splitHeads(
                ops.linear(x, p + "value_proj", w.get(p + "value_proj.weight"), w.get(p + "value_proj.bias")),
                headsShape);
        String scores = ops.matmul(q, ops.transpose(k, 0, 1, 3, 2));
        if (posAtt.contains("c2p")) {
            String posKey = shiftRows(
                    ops, ops.linear(rel.relEmbeddings(), p + "key_proj", kw, kb), rel.c2pRows(), heads, headSize);
            scores = ops.add(scores, relativeShift(ops, rel, ops.matmul(q, posKey)));
        }
        if (posAtt.contains("p2c")) {
            String posQuery = shiftRows(
                    ops, ops.linear(rel.relEmbeddings(), p + "query_proj", qw, qb), rel.p2cRows(), heads, headSize);
            scores = ops.add(scores, ops.transpose(relativeShift(ops, rel, ops.matmul(k, posQuery)), 0, 1, 3, 2));
        }
        return ops.matmul(ops.maskedSoftmax(scores, maskBias), v);
    }

    /**
     * The projected relative embeddings [2S, H·d] as the [H, d, 2L] columns {@link #relativeShift} expects: column c
     * is the row of distance L − 1 − c ({@code rows}). Gathered after the projection: ONNX Runtime folds the
     * projection of the constant table and its split into heads (fp32, int8; it cannot fold fp16 MatMuls on CPU), so
     * per batch only the gather of 2L rows and their transpose run (gathering columns of a pre-transposed [H, d, 2S]
     * table measured slower: a strided gather costs more than the contiguous rows and the transpose together).
     */
    private static String shiftRows(Ops ops, String projected, String rows, int heads, int headSize) {
        String picked = ops.graph().op("Gather", ops.reshape(projected, -1, heads, headSize), rows);
        return ops.transpose(picked, 1, 2, 0);
    }

    /**
     * Scores [B, H, L, 2L] of each row against every distance's column → [B, H, L, L] with {@code out[i][j] =
     * in[i][L − 1 − i + j]}, i.e. the column of distance i − j (Transformer-XL's relative shift, as the DJL model's
     * RelativePositions does it). Read flat, that element sits at (L − 1) + i·(2L − 1) + j: one slice of the flat
     * scores seen as rows of 2L − 1, then the first L columns. Two contiguous copies instead of a GatherElements over
     * a [B, H, L, L] index (the slowest kernel of the demo bundle's profile after Softmax); the 2L-th column, never
     * read, keeps the row width at least 1 when L = 1.
     */
    private static String relativeShift(Ops ops, Relative rel, String scores) {
        GraphBuilder g = ops.graph();
        String flat = ops.reshape(scores, 0, 0, -1);
        String shifted = g.op("Slice", List.of(flat, rel.shiftBegin(), rel.shiftEnd(), g.ints(2)));
        String rows = g.op("Reshape", shifted, rel.shiftRowsShape());
        return g.op("Slice", List.of(rows, g.ints(0), rel.length(), g.ints(3)));
    }

    /**
     * transformers' ConvLayer: conv over the layer-0 input, masked, activated, added to layer 0's output, normed,
     * masked; rows in and out, the conv itself over [B, H, L].
     */
    private static String conv(
            DebertaV2Config c,
            Weights w,
            Ops ops,
            String input,
            String residual,
            String maskRows,
            String sequenceShape,
            float eps) {
        GraphBuilder g = ops.graph();
        g.scope("conv.");
        String p = "deberta.encoder.conv.";
        int kernel = c.convKernelSize();
        long pad = (kernel - 1) / 2;
        String y = g.op(
                "Conv",
                List.of(
                        ops.transpose(g.op("Reshape", input, sequenceShape), 0, 2, 1),
                        g.floats(p + "conv.weight", w.get(p + "conv.weight")),
                        g.floats(p + "conv.bias", w.get(p + "conv.bias"))),
                attr("group", (long) c.convGroups()),
                attrInts("pads", pad, pad),
                attrInts("kernel_shape", kernel));
        y = ops.mul(ops.reshape(ops.transpose(y, 0, 2, 1), -1, c.hiddenSize()), maskRows);
        y = ops.activation(y, c.convAct());
        String out = ops.layerNorm(
                ops.add(residual, y), p + "LayerNorm", w.get(p + "LayerNorm.weight"), w.get(p + "LayerNorm.bias"), eps);
        return ops.mul(out, maskRows);
    }
}
