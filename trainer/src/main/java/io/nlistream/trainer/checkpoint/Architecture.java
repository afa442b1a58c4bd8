package io.nlistream.trainer.checkpoint;

/** The encoder families the trainer implements, with the prefix their checkpoints put before encoder weights. */
public enum Architecture {
    DEBERTA_V2("deberta", "DebertaV2ForSequenceClassification"),
    ROBERTA("roberta", "RobertaForSequenceClassification");

    private final String basePrefix;
    private final String className;

    Architecture(String basePrefix, String className) {
        this.basePrefix = basePrefix;
        this.className = className;
    }

    /** {@code deberta} / {@code roberta}: the name of the encoder module inside the classification model. */
    public String basePrefix() {
        return basePrefix;
    }

    /** The transformers class this implementation mirrors. */
    public String className() {
        return className;
    }
}
