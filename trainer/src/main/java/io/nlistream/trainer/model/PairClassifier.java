package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.nlistream.tokenizer.EncodedPair;
import io.nlistream.tokenizer.PaddedBatch;
import io.nlistream.tokenizer.PairTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A checkpoint directory ready to classify premise/hypothesis pairs: its tokenizer, its model in eval mode, its labels.
 * Batches are padded dynamically to their longest pair; each batch's arrays are freed as soon as it is done.
 */
public final class PairClassifier implements AutoCloseable {
    /** One pair's result: probabilities in label order (softmax of the logits). */
    public record Prediction(
            String label,
            float confidence,
            List<String> labels,
            float[] probabilities,
            boolean truncated,
            int inputTokens) {}

    private final NDManager manager;
    private final LoadedModel model;
    private final PairTokenizer tokenizer;

    private PairClassifier(NDManager manager, LoadedModel model, PairTokenizer tokenizer) {
        this.manager = manager;
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /** Loads {@code modelDir} (config, weights) and the tokenizer of {@code tokenizerDir} (usually the same). */
    public static PairClassifier load(Path modelDir, Path tokenizerDir, int maxLength) {
        return load(modelDir, null, tokenizerDir, maxLength);
    }

    /** {@link #load(Path, Path, int)} with a PEFT LoRA adapter on the model when {@code adapterDir} is not null. */
    public static PairClassifier load(Path modelDir, Path adapterDir, Path tokenizerDir, int maxLength) {
        NDManager manager = NDManager.newBaseManager();
        try {
            LoadedModel model = AdapterModel.load(modelDir, adapterDir, manager);
            return new PairClassifier(manager, model, PairTokenizer.load(tokenizerDir, maxLength));
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public LoadedModel model() {
        return model;
    }

    public List<Prediction> predict(List<String> premises, List<String> hypotheses, int batchSize) {
        List<EncodedPair> encoded = tokenizer.encodeAll(premises, hypotheses);
        List<String> labels = model.config().labels();
        List<Prediction> out = new ArrayList<>(encoded.size());
        for (int start = 0; start < encoded.size(); start += batchSize) {
            List<EncodedPair> chunk = encoded.subList(start, Math.min(encoded.size(), start + batchSize));
            PaddedBatch batch = tokenizer.pad(chunk);
            float[] probs;
            try (NDManager scope = manager.newSubManager()) {
                NDArray ids = scope.create(batch.inputIds(), new ai.djl.ndarray.types.Shape(batch.shape()));
                NDArray mask = scope.create(batch.attentionMask(), new ai.djl.ndarray.types.Shape(batch.shape()));
                probs = model.model()
                        .classify(new ParameterStore(scope, false), ids, mask, false, false)
                        .logits()
                        .softmax(-1)
                        .toFloatArray();
            }
            int n = labels.size();
            for (int i = 0; i < chunk.size(); i++) {
                float[] p = java.util.Arrays.copyOfRange(probs, i * n, (i + 1) * n);
                int best = 0;
                for (int j = 1; j < n; j++) {
                    if (p[j] > p[best]) {
                        best = j;
                    }
                }
                out.add(new Prediction(
                        labels.get(best),
                        p[best],
                        labels,
                        p,
                        chunk.get(i).truncated(),
                        chunk.get(i).length()));
            }
        }
        return out;
    }

    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }
}
