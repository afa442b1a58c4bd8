package io.nlistream.trainer.eval;

import io.nlistream.schemas.Labels;
import io.nlistream.trainer.eval.ReportDocument.Block;
import io.nlistream.trainer.eval.ReportDocument.Column;
import io.nlistream.trainer.eval.ReportDocument.Figure;
import io.nlistream.trainer.eval.ReportDocument.Paragraph;
import io.nlistream.trainer.eval.ReportDocument.Section;
import io.nlistream.trainer.eval.ReportDocument.Span;
import io.nlistream.trainer.eval.ReportDocument.Table;
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
 * Writes a run's {@code metrics.json}, {@code plots/*.png}, {@code report.md} and the self-contained
 * {@code report.html}: what the seed notebook showed (recipe, label distribution, training curves, classification
 * report, confusion matrix, calibration), for the restored best epoch. Both reports render one
 * {@link ReportDocument}.
 */
public final class RunReport {
    public static final String REPORT = "report.md";
    public static final String PLOTS = "plots";
    public static final String LOSS_PNG = "loss.png";
    public static final String SCORES_PNG = "accuracy_f1.png";
    public static final String CONFUSION_PNG = "confusion_matrix.png";
    public static final String LABELS_PNG = "label_distribution.png";
    public static final String RELIABILITY_PNG = "reliability.png";
    public static final String HTML = HtmlReport.FILE;

    private RunReport() {}

    /** Writes everything into {@code dir}; returns the report path. */
    public static Path write(Path dir, RunMetrics run) {
        MetricsJson.write(dir.resolve(RunMetrics.FILE), run);
        Path plots = dir.resolve(PLOTS);
        List<EpochMetrics> epochs = run.epochs();
        if (!epochs.isEmpty()) {
            Map<String, double[]> loss = new LinkedHashMap<>();
            loss.put(
                    "train loss",
                    epochs.stream().mapToDouble(EpochMetrics::trainLoss).toArray());
            loss.put(
                    "eval loss",
                    epochs.stream().mapToDouble(e -> e.eval().loss()).toArray());
            Charts.epochCurves(plots.resolve(LOSS_PNG), "Loss per epoch", "cross-entropy", loss);
            Map<String, double[]> scores = new LinkedHashMap<>();
            scores.put(
                    "accuracy",
                    epochs.stream().mapToDouble(e -> e.eval().accuracy()).toArray());
            scores.put(
                    "macro-F1",
                    epochs.stream().mapToDouble(e -> e.eval().macroF1()).toArray());
            scores.put(
                    "weighted-F1",
                    epochs.stream().mapToDouble(e -> e.eval().weightedF1()).toArray());
            Charts.epochCurves(plots.resolve(SCORES_PNG), "Evaluation per epoch", "score", scores);
        }
        if (run.finalEval() != null) {
            Charts.confusionMatrix(
                    plots.resolve(CONFUSION_PNG),
                    "Confusion matrix (" + run.name() + ")",
                    run.finalEval().confusion(),
                    run.finalEval().labels());
        }
        Calibration.Fit cal = run.calibration();
        if (hasReliability(cal)) {
            Map<String, List<Calibration.Bin>> bins = new LinkedHashMap<>();
            bins.put("before (T = 1)", cal.reliabilityBefore());
            bins.put(String.format(Locale.ROOT, "after (T = %.3f)", cal.temperature()), cal.reliabilityAfter());
            Charts.reliability(
                    plots.resolve(RELIABILITY_PNG), "Reliability (" + run.name() + ", " + cal.fittedOn() + ")", bins);
        }
        if (hasLabelDistributions(run)) {
            List<String> labels = labels(run);
            Map<String, Map<String, Double>> series = new LinkedHashMap<>();
            run.labelDistributions().forEach((role, counts) -> {
                Map<String, Double> byLabel = new LinkedHashMap<>();
                for (int i = 0; i < labels.size(); i++) {
                    byLabel.put(labels.get(i), (double) counts[i]);
                }
                series.put(role, byLabel);
            });
            Charts.groupedBars(plots.resolve(LABELS_PNG), "Label distribution", "pairs", series, "0");
        }
        ReportDocument doc = document(run);
        Path report = dir.resolve(REPORT);
        try {
            Files.writeString(report, MarkdownReport.render(doc));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + report, e);
        }
        HtmlReport.write(dir.resolve(HTML), doc);
        return report;
    }

    /** The report both report.md and report.html show; its figures are the PNGs {@link #write} draws. */
    public static ReportDocument document(RunMetrics run) {
        List<Block> intro = new ArrayList<>();
        List<Span> model = new ArrayList<>(List.of(Span.plain("Model: "), Span.code(run.model())));
        if (run.trainableParameters() > 0) {
            model.add(Span.plain(String.format(
                    Locale.ROOT,
                    " · trainable parameters %,d of %,d (%.2f %%)",
                    run.trainableParameters(),
                    run.allParameters(),
                    100.0 * run.trainableParameters() / Math.max(1, run.allParameters()))));
        }
        intro.add(new Paragraph(model));
        List<Section> sections = new ArrayList<>();
        if (run.config() != null && !run.config().isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            run.config().forEach((k, v) -> rows.add(List.of(k, String.valueOf(v))));
            sections.add(new Section(
                    "recipe",
                    "Recipe",
                    List.of(new Table(List.of(Column.text("setting"), Column.text("value")), rows))));
        }
        if (hasLabelDistributions(run)) {
            sections.add(new Section(
                    "labels",
                    "Label distribution",
                    List.of(labelTable(run), new Figure("label distribution", PLOTS + "/" + LABELS_PNG))));
        }
        if (!run.epochs().isEmpty()) {
            List<Block> blocks = new ArrayList<>();
            blocks.add(epochTable(run));
            if (run.stoppedEarlyReason() != null) {
                blocks.add(Paragraph.plain(run.stoppedEarlyReason()));
            }
            blocks.add(Paragraph.plain("Best epoch " + run.bestEpoch() + " (highest macro-F1), restored at the end."));
            blocks.add(new Figure("loss", PLOTS + "/" + LOSS_PNG));
            blocks.add(new Figure("accuracy and F1", PLOTS + "/" + SCORES_PNG));
            sections.add(new Section("training", "Training", blocks));
        }
        ClassificationMetrics f = run.finalEval();
        if (f != null) {
            sections.add(new Section(
                    "evaluation",
                    run.epochs().isEmpty() ? "Evaluation" : "Evaluation of the restored model",
                    List.of(
                            Paragraph.of(
                                    Span.plain("Accuracy "),
                                    Span.strong(String.format(Locale.ROOT, "%.2f %%", 100 * f.accuracy())),
                                    Span.plain(String.format(
                                            Locale.ROOT,
                                            " · macro-F1 %.4f · weighted-F1 %.4f · loss %.4f%s · %d pairs",
                                            f.macroF1(),
                                            f.weightedF1(),
                                            f.loss(),
                                            f.ece() == null ? "" : String.format(Locale.ROOT, " · ECE %.4f", f.ece()),
                                            f.examples()))),
                            classificationTable(f))));
            sections.add(new Section(
                    "confusion",
                    "Confusion matrix",
                    List.of(
                            Paragraph.plain("Rows are the gold labels, columns the predicted ones."),
                            confusionMatrix(f),
                            new Figure("confusion matrix", PLOTS + "/" + CONFUSION_PNG))));
        }
        if (run.calibration() != null) {
            sections.add(calibrationSection(run.calibration()));
        }
        return new ReportDocument(run.name() + " — NLI fine-tuning report", intro, sections);
    }

    private static boolean hasLabelDistributions(RunMetrics run) {
        return run.labelDistributions() != null && !run.labelDistributions().isEmpty();
    }

    /** Runs written before the reliability bins were kept have no diagram. */
    private static boolean hasReliability(Calibration.Fit cal) {
        return cal != null && cal.reliabilityBefore() != null && cal.reliabilityAfter() != null;
    }

    private static List<String> labels(RunMetrics run) {
        return run.finalEval() != null ? run.finalEval().labels() : Labels.CONTRACT;
    }

    private static Table labelTable(RunMetrics run) {
        List<Column> columns = new ArrayList<>(List.of(Column.text("data")));
        labels(run).forEach(l -> columns.add(Column.number(l)));
        columns.add(Column.number("total"));
        List<List<String>> rows = new ArrayList<>();
        run.labelDistributions().forEach((role, counts) -> {
            List<String> row = new ArrayList<>(List.of(role));
            long total = 0;
            for (long c : counts) {
                row.add(Long.toString(c));
                total += c;
            }
            row.add(Long.toString(total));
            rows.add(row);
        });
        return new Table(columns, rows);
    }

    private static Table epochTable(RunMetrics run) {
        List<Column> columns = new ArrayList<>(List.of(Column.text("epoch")));
        for (String c : List.of(
                "train loss",
                "eval loss",
                "accuracy",
                "macro-F1",
                "weighted-F1",
                "learning rate",
                "seconds",
                "pairs/s")) {
            columns.add(Column.number(c));
        }
        List<List<String>> rows = new ArrayList<>();
        for (EpochMetrics e : run.epochs()) {
            rows.add(List.of(
                    e.epoch() + (e.epoch() == run.bestEpoch() ? " (best)" : ""),
                    f4(e.trainLoss()),
                    f4(e.eval().loss()),
                    f4(e.eval().accuracy()),
                    f4(e.eval().macroF1()),
                    f4(e.eval().weightedF1()),
                    String.format(Locale.ROOT, "%.3g", e.learningRate()),
                    String.format(Locale.ROOT, "%.1f", e.seconds()),
                    String.format(Locale.ROOT, "%.1f", e.pairsPerSecond())));
        }
        return new Table(columns, rows);
    }

    /** The fitted temperature and the metrics before/after, with the reliability diagram. */
    static Section calibrationSection(Calibration.Fit c) {
        List<Block> blocks = new ArrayList<>();
        blocks.add(Paragraph.of(
                Span.plain("Temperature "),
                Span.strong(String.format(Locale.ROOT, "T = %.4f", c.temperature())),
                Span.plain(String.format(
                        Locale.ROOT,
                        " fitted on %s (%d pairs) by minimising the NLL; the bundle's probabilities are"
                                + " softmax(logits / T).",
                        c.fittedOn(),
                        c.examples()))));
        List<List<String>> rows = new ArrayList<>();
        for (var row : List.of(Map.entry("before (T = 1)", c.before()), Map.entry("after", c.after()))) {
            Calibration.Metrics m = row.getValue();
            rows.add(List.of(row.getKey(), f4(m.ece()), f4(m.nll()), f4(m.brier()), f4(m.accuracy())));
        }
        blocks.add(new Table(
                List.of(
                        Column.text(""),
                        Column.number("ECE (" + Calibration.BINS + " bins)"),
                        Column.number("NLL"),
                        Column.number("Brier"),
                        Column.number("accuracy")),
                rows));
        if (hasReliability(c)) {
            blocks.add(new Figure("reliability diagram", PLOTS + "/" + RELIABILITY_PNG));
        }
        return new Section("calibration", "Calibration", blocks);
    }

    /** sklearn's classification_report as a Markdown table. */
    public static String classificationReport(ClassificationMetrics f) {
        return MarkdownReport.table(classificationTable(f));
    }

    /** sklearn's classification_report: per class, then accuracy, macro and support-weighted averages. */
    public static Table classificationTable(ClassificationMetrics f) {
        List<List<String>> rows = new ArrayList<>();
        long total = 0;
        double weightedP = 0;
        double weightedR = 0;
        for (ClassMetrics c : f.perClass()) {
            rows.add(List.of(c.label(), f4(c.precision()), f4(c.recall()), f4(c.f1()), Long.toString(c.support())));
            total += c.support();
            weightedP += c.precision() * c.support();
            weightedR += c.recall() * c.support();
        }
        String n = Long.toString(total);
        rows.add(List.of("accuracy", "", "", f4(f.accuracy()), n));
        rows.add(List.of("macro avg", f4(f.macroPrecision()), f4(f.macroRecall()), f4(f.macroF1()), n));
        rows.add(List.of(
                "weighted avg",
                f4(total == 0 ? 0 : weightedP / total),
                f4(total == 0 ? 0 : weightedR / total),
                f4(f.weightedF1()),
                n));
        return new Table(
                List.of(
                        Column.text("label"),
                        Column.number("precision"),
                        Column.number("recall"),
                        Column.number("F1"),
                        Column.number("support")),
                rows);
    }

    /** The confusion matrix as a Markdown table. */
    public static String confusionTable(ClassificationMetrics f) {
        return MarkdownReport.table(confusionMatrix(f));
    }

    /** {@code confusion[gold][predicted]}: one row per gold label, one column per predicted label. */
    public static Table confusionMatrix(ClassificationMetrics f) {
        List<Column> columns = new ArrayList<>(List.of(Column.text("gold \\ predicted")));
        f.labels().forEach(l -> columns.add(Column.number(l)));
        List<List<String>> rows = new ArrayList<>();
        for (int g = 0; g < f.labels().size(); g++) {
            List<String> row = new ArrayList<>(List.of(f.labels().get(g)));
            for (long c : f.confusion()[g]) {
                row.add(Long.toString(c));
            }
            rows.add(row);
        }
        return new Table(columns, rows);
    }

    private static String f4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
