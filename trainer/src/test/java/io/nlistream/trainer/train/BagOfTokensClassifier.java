package io.nlistream.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A small model for loop tests: mean of token embeddings (masked), dropout, linear classifier. Initialised from a
 * seed, so two instances built with the same seed are identical (like reloading a base model in a new process).
 */
final class BagOfTokensClassifier implements TrainableClassifier {
    private final int vocab;
    private final Map<String, NDArray> params = new LinkedHashMap<>();

    BagOfTokensClassifier(NDManager manager, int vocab, int dim, int labels, long seed) {
        this.vocab = vocab;
        Random r = new Random(seed);
        params.put("embeddings.weight", param(manager, r, new Shape(vocab, dim), 0.5));
        params.put("classifier.weight", param(manager, r, new Shape(dim, labels), 0.2));
        params.put("classifier.bias", param(manager, r, new Shape(labels), 0.0));
    }

    private static NDArray param(NDManager manager, Random r, Shape shape, double std) {
        float[] v = new float[(int) shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * std);
        }
        NDArray a = manager.create(v, shape);
        a.setRequiresGradient(true);
        return a;
    }

    @Override
    public NDArray logits(NDArray inputIds, NDArray attentionMask, boolean training) {
        NDArray mask = attentionMask.toType(DataType.FLOAT32, false).expandDims(2);
        NDArray tokens = inputIds.oneHot(vocab).toType(DataType.FLOAT32, false).matMul(params.get("embeddings.weight"));
        NDArray pooled = tokens.mul(mask).sum(new int[] {1}).div(mask.sum(new int[] {1}));
        NDArray dropped = Dropout.dropout(pooled, 0.1f, training).singletonOrThrow();
        return dropped.matMul(params.get("classifier.weight")).add(params.get("classifier.bias"));
    }

    @Override
    public Map<String, NDArray> trainableParameters() {
        return params;
    }

    @Override
    public long parameterCount() {
        return params.values().stream().mapToLong(NDArray::size).sum();
    }
}
