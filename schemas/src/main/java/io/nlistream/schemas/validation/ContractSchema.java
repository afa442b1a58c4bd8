package io.nlistream.schemas.validation;

/** The contract's JSON Schema documents, shipped as resources under {@code /schemas}. */
public enum ContractSchema {
    NLI_PAIR("nli-pair.schema.json"),
    NLI_CLASSIFICATION("nli-classification.schema.json"),
    NLI_DEAD_LETTER("nli-dead-letter.schema.json"),
    NLI_BUNDLE("nli-bundle.schema.json");

    private final String fileName;

    ContractSchema(String fileName) {
        this.fileName = fileName;
    }

    public String fileName() {
        return fileName;
    }

    public String resource() {
        return "/schemas/" + fileName;
    }
}
