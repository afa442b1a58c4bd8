package io.nlistream.trainer.checkpoint;

import java.util.List;

/**
 * The encoder families the trainer implements, and everything that differs between them as data: the one dispatch
 * point. Code that needs an architecture's model, exporter or FLOP count switches over this enum exhaustively
 * ({@code switch (config.architecture())}), so a new family fails to compile until every place handles it.
 */
public enum Architecture {
    DEBERTA_V2(
            "deberta",
            "DebertaV2ForSequenceClassification",
            "deberta-v2",
            List.of("classifier.", "pooler."),
            List.of("query_proj", "value_proj"),
            "classifier.weight"),
    ROBERTA(
            "roberta",
            "RobertaForSequenceClassification",
            "roberta",
            List.of("classifier."),
            List.of("query", "value"),
            "classifier.out_proj.weight");

    private final String basePrefix;
    private final String className;
    private final String manifestName;
    private final List<String> headPrefixes;
    private final List<String> defaultLoraTargets;
    private final String classifierWeight;

    Architecture(
            String basePrefix,
            String className,
            String manifestName,
            List<String> headPrefixes,
            List<String> defaultLoraTargets,
            String classifierWeight) {
        this.basePrefix = basePrefix;
        this.className = className;
        this.manifestName = manifestName;
        this.headPrefixes = headPrefixes;
        this.defaultLoraTargets = defaultLoraTargets;
        this.classifierWeight = classifierWeight;
    }

    /** {@code deberta} / {@code roberta}: the name of the encoder module inside the classification model. */
    public String basePrefix() {
        return basePrefix;
    }

    /** The transformers class this implementation mirrors. */
    public String className() {
        return className;
    }

    /** The bundle manifest's architecture name (the streamer's contract): deberta-v2 or roberta. */
    public String manifestName() {
        return manifestName;
    }

    /** Weights a base checkpoint legitimately lacks: the classification head (and DeBERTa's pooler). */
    public List<String> headPrefixes() {
        return headPrefixes;
    }

    /** PEFT's default LoRA targets for sequence classification: the attention query and value projections. */
    public List<String> defaultLoraTargets() {
        return defaultLoraTargets;
    }

    /** The head's last linear, whose rows are the labels: what a checkpoint trained for NLI must have. */
    public String classifierWeight() {
        return classifierWeight;
    }
}
