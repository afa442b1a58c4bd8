package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.nlistream.trainer.checkpoint.RobertaConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * transformers' {@code RobertaForSequenceClassification} (= {@code CamembertForSequenceClassification}) as DJL blocks
 * named like the checkpoint: {@code roberta.embeddings}, {@code roberta.encoder.layer.N} (query/key/value attention),
 * and the head {@code classifier.dense} → tanh → {@code classifier.out_proj} on the first token. No pooler: the
 * classification model has none.
 */
public final class RobertaForSequenceClassification extends SequenceClassifier {
    private final RobertaConfig config;

    private final RobertaModel roberta;
    private final ClassificationHead classifier;

    public RobertaForSequenceClassification(RobertaConfig config) {
        this.config = config;
        this.roberta = module("roberta", new RobertaModel(config));
        this.classifier = module("classifier", new ClassificationHead(config));
    }

    @Override
    public RobertaConfig config() {
        return config;
    }

    @Override
    public ClassifierOutput classify(
            ParameterStore ps, NDArray inputIds, NDArray attentionMask, boolean training, boolean hiddenStates) {
        checkInputs(inputIds, attentionMask);
        List<NDArray> states = new ArrayList<>();
        NDArray last = roberta.encode(ps, inputIds, attentionMask, training, states);
        NDArray logits = classifier.classify(ps, last, training);
        return new ClassifierOutput(logits, hiddenStates ? states : List.of());
    }

    /** {@code RobertaModel} without pooler: embeddings then the encoder. */
    static final class RobertaModel extends InnerModule {
        private final Embeddings embeddings;
        private final Encoder encoder;

        RobertaModel(RobertaConfig c) {
            this.embeddings = module("embeddings", new Embeddings(c));
            List<Layer> layers = new ArrayList<>();
            for (int i = 0; i < c.numHiddenLayers(); i++) {
                layers.add(new Layer(c));
            }
            this.encoder = module("encoder", new Encoder(layers));
        }

        NDArray encode(ParameterStore ps, NDArray ids, NDArray mask, boolean training, List<NDArray> states) {
            NDArray x = Scopes.keepOutput(() -> embeddings.embed(ps, ids, training));
            // additive key mask (batch, 1, 1, key): 0 for tokens, the float minimum for padding
            NDArray keyBias = mask.toType(DataType.FLOAT32, false)
                    .neg()
                    .add(1f)
                    .mul(-Float.MAX_VALUE)
                    .expandDims(1)
                    .expandDims(1);
            states.add(x);
            ModuleList<Layer> layers = encoder.layers;
            for (int i = 0; i < layers.size(); i++) {
                Layer layer = layers.get(i);
                NDArray in = x;
                x = Scopes.keepOutput(() -> layer.apply(ps, in, keyBias, training));
                states.add(x);
            }
            return x;
        }
    }

    /** {@code RobertaEncoder}: holds {@code layer}. */
    static final class Encoder extends InnerModule {
        private final ModuleList<Layer> layers;

        Encoder(List<Layer> layers) {
            this.layers = module("layer", new ModuleList<>(layers));
        }
    }

    /**
     * {@code RobertaEmbeddings}: word + token type (all 0) + absolute position embeddings, LayerNorm. Positions count
     * real tokens from padding_idx + 1 and padding tokens keep position padding_idx
     * ({@code create_position_ids_from_input_ids}).
     */
    static final class Embeddings extends InnerModule {
        private final RobertaConfig c;

        Embeddings(RobertaConfig c) {
            this.c = c;
            module("word_embeddings", new HfEmbedding(c.vocabSize(), c.hiddenSize()));
            module("position_embeddings", new HfEmbedding(c.maxPositionEmbeddings(), c.hiddenSize()));
            module("token_type_embeddings", new HfEmbedding(c.typeVocabSize(), c.hiddenSize()));
            module("LayerNorm", new HfLayerNorm(c.hiddenSize(), c.layerNormEps()));
        }

        NDArray embed(ParameterStore ps, NDArray ids, boolean training) {
            long maxPosition = ids.getShape().get(1) + c.padTokenId();
            if (maxPosition >= c.maxPositionEmbeddings()) {
                throw new IllegalArgumentException(
                        "sequence length " + ids.getShape().get(1) + " exceeds the "
                                + (c.maxPositionEmbeddings() - c.padTokenId() - 1) + " positions this model has"
                                + " (max_position_embeddings " + c.maxPositionEmbeddings() + "); lower --max-length");
            }
            NDArray real = ids.neq(c.padTokenId()).toType(DataType.INT64, false);
            NDArray positions = real.cumSum(1).mul(real).add(c.padTokenId());
            NDArray x = call("word_embeddings", ps, ids, training)
                    .add(call("token_type_embeddings", ps, ids.zerosLike(), training))
                    .add(call("position_embeddings", ps, positions, training));
            x = call("LayerNorm", ps, x, training);
            return Dropouts.apply(x, c.hiddenDropoutProb(), training);
        }
    }

    /** {@code RobertaLayer}: attention, intermediate, output. */
    static final class Layer extends InnerModule {
        private final Attention attention;
        private final Intermediate intermediate;
        private final Output output;

        Layer(RobertaConfig c) {
            this.attention = module("attention", new Attention(c));
            this.intermediate = module("intermediate", new Intermediate(c));
            this.output = module("output", new Output(c, c.intermediateSize()));
        }

        /** Each sub-stage in its own scope, so that one stage's transients are freed before the next runs. */
        NDArray apply(ParameterStore ps, NDArray x, NDArray keyBias, boolean training) {
            NDArray attended = Scopes.keepOutput(() -> attention.apply(ps, x, keyBias, training));
            NDArray inner = Scopes.keepOutput(() -> intermediate.apply(ps, attended, training));
            return output.apply(ps, inner, attended, training);
        }
    }

    /** {@code RobertaAttention}: {@code self} then {@code output}. */
    static final class Attention extends InnerModule {
        private final SelfAttention self;
        private final Output output;

        Attention(RobertaConfig c) {
            this.self = module("self", new SelfAttention(c));
            this.output = module("output", new Output(c, c.hiddenSize()));
        }

        NDArray apply(ParameterStore ps, NDArray x, NDArray keyBias, boolean training) {
            NDArray context = Scopes.keepOutput(() -> self.apply(ps, x, keyBias, training));
            return output.apply(ps, context, x, training);
        }
    }

    /** {@code RobertaSelfAttention}: scaled dot-product attention over (batch, heads, length, head_dim). */
    static final class SelfAttention extends InnerModule {
        private final RobertaConfig c;
        private final int heads;
        private final int headSize;
        private final float scaling;

        SelfAttention(RobertaConfig c) {
            this.c = c;
            this.heads = c.numAttentionHeads();
            this.headSize = c.hiddenSize() / heads;
            this.scaling = (float) Math.pow(headSize, -0.5);
            module("query", new HfLinear(c.hiddenSize(), c.hiddenSize(), true));
            module("key", new HfLinear(c.hiddenSize(), c.hiddenSize(), true));
            module("value", new HfLinear(c.hiddenSize(), c.hiddenSize(), true));
        }

        private NDArray heads(NDArray x) {
            Shape s = x.getShape();
            return x.reshape(s.get(0), s.get(1), heads, headSize).transpose(0, 2, 1, 3);
        }

        NDArray apply(ParameterStore ps, NDArray x, NDArray keyBias, boolean training) {
            NDArray q = heads(call("query", ps, x, training));
            NDArray k = heads(call("key", ps, x, training));
            NDArray v = heads(call("value", ps, x, training));
            // the mask is added in place: the sum's backward needs neither operand, and the scores are the layer's
            // largest tensor
            NDArray scores =
                    Scalars.mul(q.matMul(k.transpose(0, 1, 3, 2)), scaling).addi(keyBias);
            NDArray probs = Dropouts.apply(scores.softmax(-1), c.attentionProbsDropoutProb(), training);
            Shape s = x.getShape();
            return probs.matMul(v).transpose(0, 2, 1, 3).reshape(s.get(0), s.get(1), c.hiddenSize());
        }
    }

    /** {@code RobertaIntermediate}: dense then the hidden activation. */
    static final class Intermediate extends InnerModule {
        private final String act;

        Intermediate(RobertaConfig c) {
            this.act = c.hiddenAct();
            module("dense", new HfLinear(c.hiddenSize(), c.intermediateSize(), true));
        }

        NDArray apply(ParameterStore ps, NDArray x, boolean training) {
            return Activations.apply(act, call("dense", ps, x, training));
        }
    }

    /** {@code RobertaSelfOutput} / {@code RobertaOutput}: dense, dropout, LayerNorm of the residual sum. */
    static final class Output extends InnerModule {
        private final float dropout;

        Output(RobertaConfig c, int inFeatures) {
            this.dropout = c.hiddenDropoutProb();
            module("dense", new HfLinear(inFeatures, c.hiddenSize(), true));
            module("LayerNorm", new HfLayerNorm(c.hiddenSize(), c.layerNormEps()));
        }

        NDArray apply(ParameterStore ps, NDArray x, NDArray residual, boolean training) {
            NDArray h = Dropouts.apply(call("dense", ps, x, training), dropout, training);
            return call("LayerNorm", ps, h.add(residual), training);
        }
    }

    /** {@code RobertaClassificationHead}: first token, dropout, dense, tanh, dropout, out_proj. */
    static final class ClassificationHead extends InnerModule {
        private final RobertaConfig c;

        ClassificationHead(RobertaConfig c) {
            this.c = c;
            module("dense", new HfLinear(c.hiddenSize(), c.hiddenSize(), true));
            module("out_proj", new HfLinear(c.hiddenSize(), c.numLabels(), true));
        }

        NDArray classify(ParameterStore ps, NDArray hidden, boolean training) {
            NDArray x = Dropouts.apply(hidden.get(new NDIndex(":, 0, :")), c.classifierDropout(), training);
            x = call("dense", ps, x, training).tanh();
            x = Dropouts.apply(x, c.classifierDropout(), training);
            return call("out_proj", ps, x, training);
        }
    }
}
