package io.nlistream.trainer.checkpoint;

import java.util.List;

/** A parsed config.json of a supported encoder; {@link ConfigReader} makes one. */
public sealed interface ModelConfig permits DebertaV2Config, RobertaConfig {
    /** Activations accepted for {@code hidden_act}, {@code pooler_hidden_act}, {@code conv_act}. */
    List<String> ACTIVATIONS = List.of("gelu", "relu", "tanh");

    Architecture architecture();

    String modelType();

    int vocabSize();

    int hiddenSize();

    int numHiddenLayers();

    int numAttentionHeads();

    int intermediateSize();

    int maxPositionEmbeddings();

    int padTokenId();

    float layerNormEps();

    float initializerRange();

    /** Label names in output order (config.json's {@code id2label}). */
    List<String> labels();

    default int numLabels() {
        return labels().size();
    }

    /** The same config with another classification head: a base checkpoint fine-tuned on NLI gets the seed's labels. */
    ModelConfig withLabels(List<String> labels);
}
