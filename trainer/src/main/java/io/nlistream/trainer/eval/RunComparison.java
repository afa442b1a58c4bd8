package io.nlistream.trainer.eval;

import io.nlistream.trainer.eval.ReportDocument.Column;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The seed's model comparison over several runs (e.g. CamemBERT vs CamemBERTa): a table of accuracy, macro-F1 and
 * weighted-F1 of each run's restored model, its expected calibration error (and after temperature scaling when the
 * run was calibrated), and the same scores as a grouped bar chart; comparison.md and the self-contained report.html
 * show them.
 */
public final class RunComparison {
    public static final String MARKDOWN = "comparison.md";
    public static final String JSON = "comparison.json";
    public static final String PNG = "comparison.png";

    /**
     * One row of the comparison table; {@code ece} is null for runs written before it was measured,
     * {@code calibratedEce} for runs without a calibration.
     */
    public record Row(
            String name,
            String model,
            double accuracy,
            double macroF1,
            double weightedF1,
            double loss,
            Double ece,
            Double calibratedEce,
            Double temperature,
            int bestEpoch,
            int epochsRun,
            long trainableParameters,
            Path run) {}

    private RunComparison() {}

    public static List<Row> rows(List<Path> runs) {
        List<Row> rows = new ArrayList<>();
        for (Path dir : runs) {
            RunMetrics m = MetricsJson.readRun(dir);
            if (m.finalEval() == null) {
                throw new IllegalArgumentException(dir + " has no final evaluation: the run did not finish; resume it"
                        + " with `train --resume` first");
            }
            ClassificationMetrics f = m.finalEval();
            Calibration.Fit c = m.calibration();
            rows.add(new Row(
                    m.name(),
                    m.model(),
                    f.accuracy(),
                    f.macroF1(),
                    f.weightedF1(),
                    f.loss(),
                    f.ece(),
                    c == null ? null : c.after().ece(),
                    c == null ? null : c.temperature(),
                    m.bestEpoch(),
                    m.epochs().size(),
                    m.trainableParameters(),
                    dir));
        }
        return rows;
    }

    /** Writes comparison.md, comparison.json, comparison.png and report.html into {@code out}; returns the rows. */
    public static List<Row> write(List<Path> runs, Path out) {
        List<Row> rows = rows(runs);
        MetricsJson.write(out.resolve(JSON), rows);
        Map<String, Map<String, Double>> series = new LinkedHashMap<>();
        for (Row r : rows) {
            Map<String, Double> v = new LinkedHashMap<>();
            v.put("accuracy", r.accuracy());
            v.put("macro-F1", r.macroF1());
            v.put("weighted-F1", r.weightedF1());
            series.put(uniqueName(series, r.name()), v);
        }
        Charts.groupedBars(out.resolve(PNG), "Model comparison", "score", series, "0.000");
        ReportDocument doc = document(rows);
        try {
            Files.writeString(out.resolve(MARKDOWN), MarkdownReport.render(doc));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out.resolve(MARKDOWN), e);
        }
        HtmlReport.write(out.resolve(HtmlReport.FILE), doc);
        return rows;
    }

    public static String markdown(List<Row> rows) {
        return MarkdownReport.render(document(rows));
    }

    /** The side-by-side table and its bar chart, which both comparison.md and report.html show. */
    public static ReportDocument document(List<Row> rows) {
        List<ReportDocument.Column> columns = new ArrayList<>(List.of(Column.text("run"), Column.text("checkpoint")));
        for (String c : List.of(
                "accuracy",
                "macro-F1",
                "weighted-F1",
                "ECE",
                "ECE calibrated (T)",
                "eval loss",
                "best epoch",
                "epochs",
                "trainable parameters")) {
            columns.add(Column.number(c));
        }
        List<List<String>> cells = new ArrayList<>();
        for (Row r : rows) {
            cells.add(List.of(
                    r.name(),
                    r.model(),
                    String.format(Locale.ROOT, "%.2f %%", 100 * r.accuracy()),
                    String.format(Locale.ROOT, "%.4f", r.macroF1()),
                    String.format(Locale.ROOT, "%.4f", r.weightedF1()),
                    r.ece() == null ? "–" : String.format(Locale.ROOT, "%.4f", r.ece()),
                    r.calibratedEce() == null
                            ? "–"
                            : String.format(Locale.ROOT, "%.4f (%.3f)", r.calibratedEce(), r.temperature()),
                    String.format(Locale.ROOT, "%.4f", r.loss()),
                    Integer.toString(r.bestEpoch()),
                    Integer.toString(r.epochsRun()),
                    String.format(Locale.ROOT, "%,d", r.trainableParameters())));
        }
        return new ReportDocument(
                "Model comparison",
                List.of(ReportDocument.Paragraph.plain(rows.size()
                        + " runs, each scored on its own evaluation data (a trained run by its restored best epoch).")),
                List.of(new ReportDocument.Section(
                        "comparison",
                        "Side by side",
                        List.of(
                                new ReportDocument.Table(columns, cells),
                                new ReportDocument.Figure("comparison", PNG)))));
    }

    private static String uniqueName(Map<String, ?> taken, String name) {
        String n = name;
        for (int i = 2; taken.containsKey(n); i++) {
            n = name + " (" + i + ")";
        }
        return n;
    }
}
