package io.nlistream.trainer.checkpoint;

import java.util.List;

/**
 * transformers' {@code DebertaV2Config}, every field the implementation reads (camemberta-base uses all of them).
 * Derived values follow transformers: {@link #relativeSpan()} and {@link #relEmbeddingRows()}.
 */
public record DebertaV2Config(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int embeddingSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int attentionHeadSize,
        int intermediateSize,
        String hiddenAct,
        float hiddenDropoutProb,
        float attentionProbsDropoutProb,
        int maxPositionEmbeddings,
        int typeVocabSize,
        float layerNormEps,
        boolean relativeAttention,
        int maxRelativePositions,
        int positionBuckets,
        boolean positionBiasedInput,
        List<String> posAttType,
        boolean shareAttKey,
        boolean normRelEmbeddings,
        int convKernelSize,
        String convAct,
        int convGroups,
        int poolerHiddenSize,
        float poolerDropout,
        String poolerHiddenAct,
        float clsDropout,
        int padTokenId,
        float initializerRange,
        List<String> labels)
        implements ModelConfig {

    @Override
    public Architecture architecture() {
        return Architecture.DEBERTA_V2;
    }

    public boolean c2p() {
        return posAttType.contains("c2p");
    }

    public boolean p2c() {
        return posAttType.contains("p2c");
    }

    /** {@code max_relative_positions}, defaulting to {@code max_position_embeddings} as transformers does. */
    public int effectiveMaxRelativePositions() {
        return maxRelativePositions < 1 ? maxPositionEmbeddings : maxRelativePositions;
    }

    /** transformers' {@code pos_ebd_size}: the attention span in relative positions (buckets when bucketed). */
    public int relativeSpan() {
        return positionBuckets > 0 ? positionBuckets : effectiveMaxRelativePositions();
    }

    /** Rows of {@code encoder.rel_embeddings.weight}. */
    public int relEmbeddingRows() {
        return relativeSpan() * 2;
    }

    @Override
    public DebertaV2Config withLabels(List<String> newLabels) {
        return new DebertaV2Config(
                modelType,
                vocabSize,
                hiddenSize,
                embeddingSize,
                numHiddenLayers,
                numAttentionHeads,
                attentionHeadSize,
                intermediateSize,
                hiddenAct,
                hiddenDropoutProb,
                attentionProbsDropoutProb,
                maxPositionEmbeddings,
                typeVocabSize,
                layerNormEps,
                relativeAttention,
                maxRelativePositions,
                positionBuckets,
                positionBiasedInput,
                posAttType,
                shareAttKey,
                normRelEmbeddings,
                convKernelSize,
                convAct,
                convGroups,
                poolerHiddenSize,
                poolerDropout,
                poolerHiddenAct,
                clsDropout,
                padTokenId,
                initializerRange,
                List.copyOf(newLabels));
    }

    /**
     * camemberta-base's shape and flags (almanach/camemberta-base config.json) with the given labels: for benchmarks.
     */
    public static DebertaV2Config camembertaBase(List<String> labels) {
        return new DebertaV2Config(
                "deberta-v2",
                32008,
                768,
                768,
                12,
                12,
                64,
                3072,
                "gelu",
                0.1f,
                0.1f,
                512,
                0,
                1e-7f,
                true,
                -1,
                256,
                false,
                List.of("p2c", "c2p"),
                true,
                true,
                3,
                "gelu",
                1,
                768,
                0f,
                "gelu",
                0.1f,
                0,
                0.02f,
                List.copyOf(labels));
    }
}
