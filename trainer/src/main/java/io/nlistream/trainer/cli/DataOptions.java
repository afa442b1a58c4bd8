package io.nlistream.trainer.cli;

import io.nlistream.trainer.data.ReadOptions;
import java.util.Map;
import picocli.CommandLine.Option;

/** How labelled files are read: shared by {@code train} and {@code evaluate}. */
public final class DataOptions {
    @Option(
            names = "--format",
            defaultValue = "AUTO",
            paramLabel = "FORMAT",
            description = "auto (by extension: .csv, .jsonl, else TSV), tsv, csv or jsonl (default: ${DEFAULT-VALUE}).")
    ReadOptions.Format format;

    @Option(
            names = "--premise-column",
            paramLabel = "NAME",
            description = "Premise column (default: the first of premise, '-e premise', sentence1, text_a, text).")
    String premiseColumn;

    @Option(
            names = "--hypothesis-column",
            paramLabel = "NAME",
            description = "Hypothesis column (default: the first of hypothesis, hypo, sentence2, text_b).")
    String hypothesisColumn;

    @Option(
            names = "--label-column",
            paramLabel = "NAME",
            description = "Label column (default: the first of gold_label, label_text, label, labels). Labels are"
                    + " entailment/neutral/contradiction or 0/1/2.")
    String labelColumn;

    @Option(
            names = "--label-map",
            paramLabel = "NAME=LABEL",
            description = "Extra label names, e.g. --label-map compatibles=neutral (repeatable).")
    Map<String, String> labelMap;

    ReadOptions toReadOptions() {
        return new ReadOptions(format, premiseColumn, hypothesisColumn, labelColumn, labelMap);
    }
}
