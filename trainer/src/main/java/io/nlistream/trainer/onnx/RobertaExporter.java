package io.nlistream.trainer.onnx;

import io.nlistream.trainer.checkpoint.ModelConfig;
import io.nlistream.trainer.checkpoint.RobertaConfig;
import io.nlistream.trainer.onnx.proto.Onnx.ModelProto;
import io.nlistream.trainer.onnx.proto.Onnx.TensorProto.DataType;
import java.util.List;

/**
 * RobertaForSequenceClassification / CamembertForSequenceClassification (model_type roberta, camembert,
 * xlm-roberta): absolute positions counted over non-pad tokens from padding_idx + 1, token type 0, post-norm
 * layers, head dense → tanh → out_proj on the first token.
 */
public final class RobertaExporter implements ArchitectureExporter {
    @Override
    public ModelProto export(ModelConfig config, Weights w, Precision precision) {
        RobertaConfig c = (RobertaConfig) config;
        GraphBuilder g = new GraphBuilder("roberta");
        Ops ops = new Ops(g, precision);
        ArchitectureExporter.declareInputs(g);
        int hidden = c.hiddenSize();
        int heads = c.numAttentionHeads();
        int layers = c.numHiddenLayers();
        float eps = c.layerNormEps();
        String act = c.hiddenAct();
        long pad = c.padTokenId();
        int headSize = hidden / heads;
        String prefix = "roberta.";

        g.scope("embeddings.");
        String p = prefix + "embeddings.";
        String ids = INPUT_IDS;
        String length = g.op("Slice", List.of(g.op("Shape", ids), g.ints(1), g.ints(2)));
        // transformers' create_position_ids_from_input_ids: cumsum over non-pad tokens, offset by padding_idx.
        String notPad = ops.cast(g.op("Not", g.op("Equal", ids, g.scalar(pad))), DataType.INT64);
        String positions = g.op("Add", g.op("Mul", g.op("CumSum", notPad, g.scalar(1L)), notPad), g.scalar(pad));
        String x = ops.embedding(ids, p + "word_embeddings.weight", w.get(p + "word_embeddings.weight"));
        x = ops.add(
                x, ops.embedding(positions, p + "position_embeddings.weight", w.get(p + "position_embeddings.weight")));
        if (w.has(p + "token_type_embeddings.weight")) {
            x = ops.add(
                    x,
                    g.floats(
                            p + "token_type_embeddings.weight",
                            w.get(p + "token_type_embeddings.weight").rows(0, 1)));
        }
        x = ops.layerNorm(
                ops.reshape(x, -1, hidden),
                p + "LayerNorm",
                w.get(p + "LayerNorm.weight"),
                w.get(p + "LayerNorm.bias"),
                eps);

        // [B, 1, 1, L]: padded keys are masked; padded query rows are computed and ignored.
        String maskBias = g.op("Unsqueeze", ops.maskBias(ops.cast(ATTENTION_MASK, DataType.FLOAT)), g.ints(1, 2));
        String headsShape = ops.sequenceShape(length, heads, headSize);
        float inverseScale = (float) (1 / Math.sqrt(headSize));
        for (int i = 0; i < layers; i++) {
            g.scope("layer." + i + ".");
            String l = prefix + "encoder.layer." + i + ".";
            String s = l + "attention.self.";
            String q = ops.splitHeads(
                    ops.linear(x, s + "query", w.get(s + "query.weight"), w.get(s + "query.bias")), headsShape);
            // the scores' 1/√d folded into the key projection
            String k = ops.splitHeads(
                    ops.linear(
                            x,
                            s + "key",
                            Ops.scaled(w.get(s + "key.weight"), inverseScale),
                            Ops.scaled(w.get(s + "key.bias"), inverseScale)),
                    headsShape);
            String v = ops.splitHeads(
                    ops.linear(x, s + "value", w.get(s + "value.weight"), w.get(s + "value.bias")), headsShape);
            String scores = ops.matmul(q, ops.transpose(k, 0, 1, 3, 2));
            String ctx = ops.mergeHeads(ops.matmul(ops.maskedSoftmax(scores, maskBias), v), hidden);
            String attn = ops.linear(
                    ctx,
                    l + "attention.output.dense",
                    w.get(l + "attention.output.dense.weight"),
                    w.get(l + "attention.output.dense.bias"));
            attn = ops.layerNorm(
                    ops.add(attn, x),
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
                    act);
            String out = ops.linear(
                    mid, l + "output.dense", w.get(l + "output.dense.weight"), w.get(l + "output.dense.bias"));
            x = ops.layerNorm(
                    ops.add(out, attn),
                    l + "output.LayerNorm",
                    w.get(l + "output.LayerNorm.weight"),
                    w.get(l + "output.LayerNorm.bias"),
                    eps);
        }

        g.scope("head.");
        String first = ops.firstTokens(x, ops.sequenceShape(length, hidden));
        String dense = g.op(
                "Tanh",
                ops.linear(
                        first, "classifier.dense", w.get("classifier.dense.weight"), w.get("classifier.dense.bias")));
        Tensor out = ArchitectureExporter.requireClassifier(config, w);
        String logits = ops.linear(dense, "classifier.out_proj", out, w.get("classifier.out_proj.bias"));
        ArchitectureExporter.declareOutputs(ops, logits, out.dim(0));
        return g.model("1", "RobertaForSequenceClassification exported by nli-stream (" + precision.id() + ")");
    }
}
