package io.nlistream.trainer.checkpoint;

import java.util.List;

/** transformers' {@code RobertaConfig} / {@code CamembertConfig}: the fields sequence classification reads. */
public record RobertaConfig(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int intermediateSize,
        String hiddenAct,
        float hiddenDropoutProb,
        float attentionProbsDropoutProb,
        int maxPositionEmbeddings,
        int typeVocabSize,
        float layerNormEps,
        int padTokenId,
        float classifierDropout,
        float initializerRange,
        List<String> labels)
        implements ModelConfig {

    @Override
    public Architecture architecture() {
        return Architecture.ROBERTA;
    }

    @Override
    public RobertaConfig withLabels(List<String> newLabels) {
        return new RobertaConfig(
                modelType,
                vocabSize,
                hiddenSize,
                numHiddenLayers,
                numAttentionHeads,
                intermediateSize,
                hiddenAct,
                hiddenDropoutProb,
                attentionProbsDropoutProb,
                maxPositionEmbeddings,
                typeVocabSize,
                layerNormEps,
                padTokenId,
                classifierDropout,
                initializerRange,
                List.copyOf(newLabels));
    }
}
