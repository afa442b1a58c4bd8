package io.nlistream.trainer.data;

import java.util.List;
import java.util.Map;

/**
 * How to read a labelled file. Null column names mean "detect": the first header among the aliases below that the file
 * has. Aliases cover the seed's TSV ({@code -e premise}, {@code hypo}, {@code label}), XNLI ({@code gold_label},
 * {@code premise}, {@code hypothesis}), RTE3-FR / GQNLI-FR / DACCORD ({@code label_text} is preferred over the integer
 * {@code label} because DACCORD's integers are binary codes) and the usual generic names.
 *
 * @param format file layout; {@link Format#AUTO} picks by extension ({@code .csv}, {@code .jsonl}/{@code .json}, else
 *     TSV)
 * @param labelMap extra label names mapped to contract labels before the built-in names (e.g.
 *     {@code compatibles=neutral})
 */
public record ReadOptions(
        Format format,
        String premiseColumn,
        String hypothesisColumn,
        String labelColumn,
        Map<String, String> labelMap) {

    public enum Format {
        AUTO,
        TSV,
        CSV,
        JSONL
    }

    static final List<String> PREMISE_ALIASES = List.of("premise", "-e premise", "sentence1", "text_a", "text");
    static final List<String> HYPOTHESIS_ALIASES = List.of("hypothesis", "hypo", "sentence2", "text_b");
    static final List<String> LABEL_ALIASES = List.of("gold_label", "label_text", "label", "labels");

    public ReadOptions {
        format = format == null ? Format.AUTO : format;
        labelMap = labelMap == null ? Map.of() : Map.copyOf(labelMap);
    }

    public static ReadOptions defaults() {
        return new ReadOptions(Format.AUTO, null, null, null, Map.of());
    }
}
