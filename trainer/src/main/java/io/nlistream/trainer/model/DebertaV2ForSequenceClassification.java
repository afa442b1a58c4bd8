package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.nlistream.trainer.checkpoint.DebertaV2Config;
import java.util.ArrayList;
import java.util.List;

/**
 * transformers' {@code DebertaV2ForSequenceClassification} (CamemBERTa, DeBERTa-v3) as DJL blocks whose module tree and
 * parameter names are the checkpoint's: {@code deberta.embeddings}, {@code deberta.encoder} (layers with disentangled
 * attention, {@code rel_embeddings}, {@code LayerNorm}, {@code conv}), {@code pooler.dense}, {@code classifier}.
 * Attention runs on (batch, heads, length, head_dim) tensors; the relative rows of each length are cached.
 */
public final class DebertaV2ForSequenceClassification extends SequenceClassifier {
    private final DebertaV2Config config;

    private final DebertaV2Model deberta;
    private final ContextPooler pooler;

    public DebertaV2ForSequenceClassification(DebertaV2Config config) {
        this.config = config;
        this.deberta = module("deberta", new DebertaV2Model(config));
        this.pooler = module("pooler", new ContextPooler(config));
        module("classifier", new HfLinear(config.poolerHiddenSize(), config.numLabels(), true));
    }

    @Override
    public DebertaV2Config config() {
        return config;
    }

    @Override
    public ClassifierOutput classify(
            ParameterStore ps, NDArray inputIds, NDArray attentionMask, boolean training, boolean hiddenStates) {
        checkInputs(inputIds, attentionMask);
        List<NDArray> states = new ArrayList<>();
        NDArray last = deberta.encode(ps, inputIds, attentionMask, training, states);
        NDArray pooled = pooler.pool(ps, last, training);
        NDArray logits = call("classifier", ps, Dropouts.apply(pooled, config.clsDropout(), training), training);
        return new ClassifierOutput(logits, hiddenStates ? states : List.of());
    }

    /** {@code DebertaV2Model}: embeddings then the relative-attention encoder. */
    static final class DebertaV2Model extends InnerModule {
        private final Embeddings embeddings;
        private final Encoder encoder;

        DebertaV2Model(DebertaV2Config c) {
            this.embeddings = module("embeddings", new Embeddings(c));
            this.encoder = module("encoder", new Encoder(c));
        }

        /** The last hidden state; every hidden state is appended to {@code states}. */
        NDArray encode(ParameterStore ps, NDArray ids, NDArray mask, boolean training, List<NDArray> states) {
            NDArray embedded = Scopes.keepOutput(() -> embeddings.embed(ps, ids, mask, training));
            return encoder.encode(ps, embedded, mask, training, states);
        }
    }

    /** {@code DebertaV2Embeddings}: word (+ absolute position, + token type) embeddings, LayerNorm, padding zeroed. */
    static final class Embeddings extends InnerModule {
        private final DebertaV2Config c;

        Embeddings(DebertaV2Config c) {
            this.c = c;
            module("word_embeddings", new HfEmbedding(c.vocabSize(), c.embeddingSize()));
            if (c.positionBiasedInput()) {
                module("position_embeddings", new HfEmbedding(c.maxPositionEmbeddings(), c.embeddingSize()));
            }
            if (c.typeVocabSize() > 0) {
                module("token_type_embeddings", new HfEmbedding(c.typeVocabSize(), c.embeddingSize()));
            }
            if (c.embeddingSize() != c.hiddenSize()) {
                module("embed_proj", new HfLinear(c.embeddingSize(), c.hiddenSize(), false));
            }
            module("LayerNorm", new HfLayerNorm(c.hiddenSize(), c.layerNormEps()));
        }

        NDArray embed(ParameterStore ps, NDArray ids, NDArray mask, boolean training) {
            NDArray x = call("word_embeddings", ps, ids, training);
            if (c.positionBiasedInput()) {
                long length = ids.getShape().get(1);
                NDArray positions =
                        ids.getManager().arange(0L, length, 1L, DataType.INT64).reshape(1, length);
                x = x.add(call("position_embeddings", ps, positions, training));
            }
            if (c.typeVocabSize() > 0) {
                x = x.add(call("token_type_embeddings", ps, ids.zerosLike(), training));
            }
            if (c.embeddingSize() != c.hiddenSize()) {
                x = call("embed_proj", ps, x, training);
            }
            x = call("LayerNorm", ps, x, training);
            x = x.mul(mask.expandDims(2).toType(x.getDataType(), false));
            return Dropouts.apply(x, c.hiddenDropoutProb(), training);
        }
    }

    /** {@code DebertaV2Encoder}: layers sharing one (layer-normed) relative embedding table; conv after layer 0. */
    static final class Encoder extends InnerModule {
        private final DebertaV2Config c;
        private final ModuleList<Layer> layers;
        private final ConvLayer conv;
        private final HfEmbedding relEmbeddings;
        private RelativePositions positions;

        Encoder(DebertaV2Config c) {
            this.c = c;
            List<Layer> list = new ArrayList<>();
            for (int i = 0; i < c.numHiddenLayers(); i++) {
                list.add(new Layer(c));
            }
            this.layers = module("layer", new ModuleList<>(list));
            this.relEmbeddings = c.relativeAttention()
                    ? module("rel_embeddings", new HfEmbedding(c.relEmbeddingRows(), c.hiddenSize()))
                    : null;
            if (c.relativeAttention()) {
                if (c.normRelEmbeddings()) {
                    module("LayerNorm", new HfLayerNorm(c.hiddenSize(), c.layerNormEps()));
                }
            }
            this.conv = c.convKernelSize() > 0 ? module("conv", new ConvLayer(c)) : null;
        }

        NDArray encode(ParameterStore ps, NDArray hidden, NDArray mask, boolean training, List<NDArray> states) {
            NDManager m = hidden.getManager();
            // pairwise mask (batch, 1, query, key): a token attends to another when both are real tokens
            // pairwise mask as an additive bias (batch, 1, query, key): 0 where both tokens are real, the float minimum
            // elsewhere; adding it equals transformers' masked_fill(finfo.min) exactly in float32
            NDArray tokens = mask.toType(DataType.FLOAT32, false);
            NDArray pairBias = tokens.expandDims(1)
                    .expandDims(2)
                    .mul(tokens.expandDims(1).expandDims(3))
                    .neg()
                    .add(1f)
                    .mul(-Float.MAX_VALUE);
            Relative rel = null;
            if (c.relativeAttention() && (c.c2p() || c.p2c())) {
                NDArray weight = value(ps, relEmbeddings.weight(), hidden, training);
                RelativePositions.Indices idx =
                        positions().forLength(hidden.getShape().get(1));
                // only the rows this length reaches (LayerNorm is per row, so slicing first changes nothing)
                NDArray relEmb = weight.get(new NDIndex("{}:{}", idx.firstRow(), idx.firstRow() + idx.rows()));
                relEmb.attach(m); // a slice of a parameter would otherwise live as long as the parameters
                if (c.normRelEmbeddings()) {
                    relEmb = call("LayerNorm", ps, relEmb, training);
                }
                rel = new Relative(relEmb, idx);
            }
            states.add(hidden);
            NDArray x = hidden;
            for (int i = 0; i < layers.size(); i++) {
                Layer layer = layers.get(i);
                NDArray in = x;
                Relative r = rel;
                x = Scopes.keepOutput(() -> layer.apply(ps, in, pairBias, r, training));
                if (i == 0 && c.convKernelSize() > 0) {
                    NDArray layer0 = x;
                    x = Scopes.keepOutput(() -> conv.apply(ps, hidden, layer0, mask, training));
                }
                states.add(x);
            }
            return x;
        }

        private synchronized RelativePositions positions() {
            if (positions == null) {
                positions = new RelativePositions(
                        relEmbeddings.weight().getArray().getManager(),
                        c.positionBuckets(),
                        c.effectiveMaxRelativePositions(),
                        c.relativeSpan());
            }
            return positions;
        }
    }

    /** The relative embeddings a forward pass reaches (rows, hidden) and their order per score column. */
    record Relative(NDArray embeddings, RelativePositions.Indices indices) {}

    /** {@code DebertaV2Layer}: attention, intermediate (dense + act), output (dense, dropout, residual LayerNorm). */
    static final class Layer extends InnerModule {
        private final Attention attention;
        private final Intermediate intermediate;
        private final Output output;

        Layer(DebertaV2Config c) {
            this.attention = module("attention", new Attention(c));
            this.intermediate = module("intermediate", new Intermediate(c));
            this.output = module("output", new Output(c, c.intermediateSize()));
        }

        /** Each sub-stage in its own scope, so that one stage's transients are freed before the next runs. */
        NDArray apply(ParameterStore ps, NDArray x, NDArray pairBias, Relative rel, boolean training) {
            NDArray attended = Scopes.keepOutput(() -> attention.apply(ps, x, pairBias, rel, training));
            NDArray inner = Scopes.keepOutput(() -> intermediate.apply(ps, attended, training));
            return output.apply(ps, inner, attended, training);
        }
    }

    /** {@code DebertaV2Attention}: self-attention then {@code output} (dense, dropout, residual LayerNorm). */
    static final class Attention extends InnerModule {
        private final DisentangledSelfAttention self;
        private final Output output;

        Attention(DebertaV2Config c) {
            this.self = module("self", new DisentangledSelfAttention(c));
            this.output = module("output", new Output(c, c.hiddenSize()));
        }

        NDArray apply(ParameterStore ps, NDArray x, NDArray pairBias, Relative rel, boolean training) {
            NDArray context = Scopes.keepOutput(() -> self.apply(ps, x, pairBias, rel, training));
            return output.apply(ps, context, x, training);
        }
    }

    /**
     * {@code DisentangledSelfAttention}: content→content scores plus content→position (c2p) and position→content
     * (p2c) scores against the relative embeddings projected by the same (shared) key/query projections, all over
     * sqrt(head_dim · (1 + number of relative terms)). Fully masked rows (padding queries) get uniform weights, as in
     * transformers 5 (masked_fill with the float minimum, then softmax, without re-zeroing).
     */
    static final class DisentangledSelfAttention extends InnerModule {
        private final DebertaV2Config c;
        private final int heads;
        private final int headSize;
        private final float scale;

        DisentangledSelfAttention(DebertaV2Config c) {
            this.c = c;
            this.heads = c.numAttentionHeads();
            this.headSize = c.attentionHeadSize();
            int allHead = heads * headSize;
            module("query_proj", new HfLinear(c.hiddenSize(), allHead, true));
            module("key_proj", new HfLinear(c.hiddenSize(), allHead, true));
            module("value_proj", new HfLinear(c.hiddenSize(), allHead, true));
            if (c.relativeAttention() && !c.shareAttKey()) {
                if (c.c2p()) {
                    module("pos_key_proj", new HfLinear(c.hiddenSize(), allHead, true));
                }
                if (c.p2c()) {
                    module("pos_query_proj", new HfLinear(c.hiddenSize(), allHead, true));
                }
            }
            int factor = 1 + (c.relativeAttention() ? (c.c2p() ? 1 : 0) + (c.p2c() ? 1 : 0) : 0);
            this.scale = (float) Math.sqrt((float) (headSize * factor));
        }

        /** (batch, length, heads·dim) → (batch, heads, length, dim) */
        private NDArray heads(NDArray x) {
            Shape s = x.getShape();
            return x.reshape(s.get(0), s.get(1), heads, headSize).transpose(0, 2, 1, 3);
        }

        NDArray apply(ParameterStore ps, NDArray x, NDArray pairBias, Relative rel, boolean training) {
            NDArray q = heads(call("query_proj", ps, x, training));
            NDArray k = heads(call("key_proj", ps, x, training));
            NDArray v = heads(call("value_proj", ps, x, training));
            NDArray scores = q.matMul(Scalars.div(k.transpose(0, 1, 3, 2), scale));
            // The terms are added into the content scores in place: no sum's backward reads its operands, and the
            // (batch, heads, length, length) scores are the layer's largest tensors (a fresh one per add cost ~0.1 s
            // of the seed's step).
            if (rel != null) {
                Scopes.keepOutput(() -> addRelativeScores(scores, ps, q, k, rel, training));
            }
            NDArray probs = Dropouts.apply(scores.addi(pairBias).softmax(-1), c.attentionProbsDropoutProb(), training);
            NDArray context = probs.matMul(v).transpose(0, 2, 1, 3);
            Shape s = x.getShape();
            return context.reshape(s.get(0), s.get(1), (long) heads * headSize);
        }

        /**
         * x (batch, heads, length, dim) against projected relative rows (1, rows, heads·dim): (heads, batch, length,
         * rows) as one matmul per head. A broadcast matmul would copy the batch-independent projection batch
         * times (50 MB a term a layer for the seed's step) and autograd would keep that copy until backward.
         */
        private NDArray perHead(NDArray x, NDArray relProjected) {
            Shape s = x.getShape();
            long rows = relProjected.getShape().get(1);
            NDArray relT = relProjected.reshape(rows, heads, headSize).transpose(1, 2, 0);
            NDArray flat = x.transpose(1, 0, 2, 3).reshape(heads, s.get(0) * s.get(2), headSize);
            return flat.matMul(relT).reshape(heads, s.get(0), s.get(2), rows);
        }

        /**
         * Adds c2p + p2c over the scale to {@code scores}, in place, and returns them. The scale divides the projected
         * rows (rows, heads·dim) rather than the (batch, heads, length, length) scores, as transformers divides them:
         * the same value to rounding, two passes over the scores fewer in forward and in backward.
         */
        private NDArray addRelativeScores(
                NDArray scores, ParameterStore ps, NDArray q, NDArray k, Relative rel, boolean training) {
            NDArray emb = rel.embeddings().expandDims(0);
            emb = Dropouts.apply(emb, c.hiddenDropoutProb(), training);
            RelativePositions.Indices idx = rel.indices();
            NDArray relative = null;
            if (c.c2p()) {
                NDArray posKey = call(c.shareAttKey() ? "key_proj" : "pos_key_proj", ps, emb, training);
                relative = idx.c2p(perHead(q, idx.c2pRows(Scalars.div(posKey, scale))));
            }
            if (c.p2c()) {
                NDArray posQuery = call(c.shareAttKey() ? "query_proj" : "pos_query_proj", ps, emb, training);
                NDArray p2c = idx.p2c(perHead(k, idx.p2cRows(Scalars.div(posQuery, scale))));
                relative = relative == null ? p2c : relative.add(p2c);
            }
            // content + (c2p + p2c), transformers' order, so the sums round as its do
            return scores.addi(relative);
        }
    }

    /** {@code DebertaV2Intermediate}: dense then the hidden activation. */
    static final class Intermediate extends InnerModule {
        private final String act;

        Intermediate(DebertaV2Config c) {
            this.act = c.hiddenAct();
            module("dense", new HfLinear(c.hiddenSize(), c.intermediateSize(), true));
        }

        NDArray apply(ParameterStore ps, NDArray x, boolean training) {
            return Activations.apply(act, call("dense", ps, x, training));
        }
    }

    /** {@code DebertaV2SelfOutput} / {@code DebertaV2Output}: dense, dropout, LayerNorm of the residual sum. */
    static final class Output extends InnerModule {
        private final float dropout;

        Output(DebertaV2Config c, int inFeatures) {
            this.dropout = c.hiddenDropoutProb();
            module("dense", new HfLinear(inFeatures, c.hiddenSize(), true));
            module("LayerNorm", new HfLayerNorm(c.hiddenSize(), c.layerNormEps()));
        }

        NDArray apply(ParameterStore ps, NDArray x, NDArray residual, boolean training) {
            NDArray h = Dropouts.apply(call("dense", ps, x, training), dropout, training);
            return call("LayerNorm", ps, h.add(residual), training);
        }
    }

    /**
     * {@code ConvLayer}: a 1-D convolution over the embeddings output whose result (padding zeroed, activation) is
     * added to layer 0's output and layer-normed, then padding positions are zeroed.
     */
    static final class ConvLayer extends InnerModule {
        private final DebertaV2Config c;

        ConvLayer(DebertaV2Config c) {
            this.c = c;
            module("conv", new Conv(c.hiddenSize(), c.convKernelSize(), c.convGroups()));
            module("LayerNorm", new HfLayerNorm(c.hiddenSize(), c.layerNormEps()));
        }

        NDArray apply(ParameterStore ps, NDArray hidden, NDArray residual, NDArray mask, boolean training) {
            NDArray maskF = mask.expandDims(2).toType(hidden.getDataType(), false);
            NDArray out = call("conv", ps, hidden.transpose(0, 2, 1), training).transpose(0, 2, 1);
            out = Activations.apply(c.convAct(), Dropouts.apply(out.mul(maskF), c.hiddenDropoutProb(), training));
            NDArray normed = call("LayerNorm", ps, residual.add(out), training);
            return normed.mul(maskF);
        }
    }

    /** {@code nn.Conv1d(hidden, hidden, k, padding=(k-1)/2, groups)} on (batch, channels, length). */
    static final class Conv extends HfModule {
        private final int kernel;
        private final int groups;
        private final Parameter weight;
        private final Parameter bias;

        Conv(int channels, int kernel, int groups) {
            this.kernel = kernel;
            this.groups = groups;
            this.weight = param("weight", new Shape(channels, channels / groups, kernel), Init.NORMAL);
            this.bias = param("bias", new Shape(channels), Init.ZEROS);
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
            NDArray x = in.singletonOrThrow();
            return Conv1d.conv1d(
                    x,
                    value(ps, weight, x, training),
                    value(ps, bias, x, training),
                    new Shape(1),
                    new Shape((kernel - 1) / 2),
                    new Shape(1),
                    groups);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] in) {
            return new Shape[] {in[0]};
        }
    }

    /** {@code ContextPooler}: the first token, dropout, dense, pooler activation. */
    static final class ContextPooler extends InnerModule {
        private final DebertaV2Config c;

        ContextPooler(DebertaV2Config c) {
            this.c = c;
            module("dense", new HfLinear(c.poolerHiddenSize(), c.poolerHiddenSize(), true));
        }

        NDArray pool(ParameterStore ps, NDArray hidden, boolean training) {
            NDArray first = Dropouts.apply(hidden.get(new NDIndex(":, 0, :")), c.poolerDropout(), training);
            return Activations.apply(c.poolerHiddenAct(), call("dense", ps, first, training));
        }
    }
}
