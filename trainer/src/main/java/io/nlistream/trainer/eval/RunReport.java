package io.nlistream.trainer.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a run's {@code metrics.json}, {@code report.md} and {@code plots/*.png}: what the seed notebook showed (label
 * distribution, training curves, classification report, confusion matrix), for the restored best epoch.
 */
public final class RunReport {
    public static final String REPORT = "report.md";
    public static final String PLOTS = "plots";
    public static final String LOSS_PNG = "loss.png";
    public static final String SCORES_PNG = "accuracy_f1.png";
    public static final String CONFUSION_PNG = "confusion_matrix.png";
    public static final String LABELS_PNG = "label_distribution.png";
    public static final String RELIABILITY_PNG = "reliability.png";

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
        if (cal != null && cal.reliabilityBefore() != null && cal.reliabilityAfter() != null) {
            Map<String, List<Calibration.Bin>> bins = new LinkedHashMap<>();
            bins.put("before (T = 1)", cal.reliabilityBefore());
            bins.put(String.format(Locale.ROOT, "after (T = %.3f)", cal.temperature()), cal.reliabilityAfter());
            Charts.reliability(
                    plots.resolve(RELIABILITY_PNG), "Reliability (" + run.name() + ", " + cal.fittedOn() + ")", bins);
        }
        if (run.labelDistributions() != null && !run.labelDistributions().isEmpty()) {
            List<String> labels =
                    run.finalEval() != null ? run.finalEval().labels() : io.nlistream.schemas.Labels.CONTRACT;
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
        Path report = dir.resolve(REPORT);
        try {
            Files.writeString(report, markdown(run));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + report, e);
        }
        return report;
    }

    static String markdown(RunMetrics run) {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(run.name()).append(" — NLI fine-tuning report\n\n");
        md.append("Model: `").append(run.model()).append("`");
        if (run.trainableParameters() > 0) {
            md.append(String.format(
                    Locale.ROOT,
                    " · trainable parameters %,d of %,d (%.2f %%)",
                    run.trainableParameters(),
                    run.allParameters(),
                    100.0 * run.trainableParameters() / Math.max(1, run.allParameters())));
        }
        md.append("\n\n");
        if (run.config() != null && !run.config().isEmpty()) {
            md.append("## Recipe\n\n| setting | value |\n|---|---|\n");
            run.config()
                    .forEach((k, v) ->
                            md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
            md.append('\n');
        }
        if (run.labelDistributions() != null && !run.labelDistributions().isEmpty()) {
            List<String> labels =
                    run.finalEval() != null ? run.finalEval().labels() : io.nlistream.schemas.Labels.CONTRACT;
            md.append("## Label distribution\n\n| data | ")
                    .append(String.join(" | ", labels))
                    .append(" | total |\n|---|");
            md.append("---:|".repeat(labels.size() + 1)).append('\n');
            run.labelDistributions().forEach((role, counts) -> {
                md.append("| ").append(role);
                long total = 0;
                for (long c : counts) {
                    md.append(" | ").append(c);
                    total += c;
                }
                md.append(" | ").append(total).append(" |\n");
            });
            md.append("\n![label distribution](")
                    .append(PLOTS)
                    .append('/')
                    .append(LABELS_PNG)
                    .append(")\n\n");
        }
        if (!run.epochs().isEmpty()) {
            md.append("## Training\n\n| epoch | train loss | eval loss | accuracy | macro-F1 | weighted-F1 | learning "
                    + "rate"
                    + " | seconds | pairs/s |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (EpochMetrics e : run.epochs()) {
                md.append(String.format(
                        Locale.ROOT,
                        "| %d%s | %.4f | %.4f | %.4f | %.4f | %.4f | %.3g | %.1f | %.1f |%n",
                        e.epoch(),
                        e.epoch() == run.bestEpoch() ? " (best)" : "",
                        e.trainLoss(),
                        e.eval().loss(),
                        e.eval().accuracy(),
                        e.eval().macroF1(),
                        e.eval().weightedF1(),
                        e.learningRate(),
                        e.seconds(),
                        e.pairsPerSecond()));
            }
            md.append('\n');
            if (run.stoppedEarlyReason() != null) {
                md.append(run.stoppedEarlyReason()).append("\n\n");
            }
            md.append("Best epoch ").append(run.bestEpoch()).append(" (highest macro-F1), restored at the end.\n\n");
            md.append("![loss](").append(PLOTS).append('/').append(LOSS_PNG).append(")\n");
            md.append("![accuracy and F1](")
                    .append(PLOTS)
                    .append('/')
                    .append(SCORES_PNG)
                    .append(")\n\n");
        }
        ClassificationMetrics f = run.finalEval();
        if (f != null) {
            md.append("## Evaluation of the restored model\n\n");
            md.append(String.format(
                    Locale.ROOT,
                    "Accuracy **%.2f %%** · macro-F1 %.4f · weighted-F1 %.4f · loss %.4f" + "%s · %d pairs%n%n",
                    100 * f.accuracy(),
                    f.macroF1(),
                    f.weightedF1(),
                    f.loss(),
                    f.ece() == null ? "" : String.format(Locale.ROOT, " · ECE %.4f", f.ece()),
                    f.examples()));
            md.append(classificationReport(f)).append('\n');
            md.append(confusionTable(f)).append('\n');
            md.append("![confusion matrix](")
                    .append(PLOTS)
                    .append('/')
                    .append(CONFUSION_PNG)
                    .append(")\n");
        }
        if (run.calibration() != null) {
            md.append('\n').append(calibrationSection(run.calibration()));
        }
        return md.toString();
    }

    /** The fitted temperature and the metrics before/after, with the reliability diagram. */
    public static String calibrationSection(Calibration.Fit c) {
        StringBuilder md = new StringBuilder("## Calibration\n\n");
        md.append(String.format(
                Locale.ROOT,
                "Temperature **T = %.4f** fitted on %s (%d pairs) by minimising the NLL;"
                        + " the bundle's probabilities are softmax(logits / T).%n%n",
                c.temperature(),
                c.fittedOn(),
                c.examples()));
        md.append("| | ECE (15 bins) | NLL | Brier | accuracy |\n|---|---:|---:|---:|---:|\n");
        for (var row : List.of(Map.entry("before (T = 1)", c.before()), Map.entry("after", c.after()))) {
            Calibration.Metrics m = row.getValue();
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %.4f | %.4f | %.4f | %.4f |%n",
                    row.getKey(),
                    m.ece(),
                    m.nll(),
                    m.brier(),
                    m.accuracy()));
        }
        md.append("\n![reliability diagram](")
                .append(PLOTS)
                .append('/')
                .append(RELIABILITY_PNG)
                .append(")\n");
        return md.toString();
    }

    /** sklearn's classification_report as a Markdown table. */
    public static String classificationReport(ClassificationMetrics f) {
        StringBuilder md =
                new StringBuilder("| label | precision | recall | F1 | support |\n|---|---:|---:|---:|---:|\n");
        long total = 0;
        double weightedP = 0;
        double weightedR = 0;
        for (ClassMetrics c : f.perClass()) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %.4f | %.4f | %.4f | %d |%n",
                    c.label(),
                    c.precision(),
                    c.recall(),
                    c.f1(),
                    c.support()));
            total += c.support();
            weightedP += c.precision() * c.support();
            weightedR += c.recall() * c.support();
        }
        md.append(String.format(Locale.ROOT, "| accuracy | | | %.4f | %d |%n", f.accuracy(), total));
        md.append(String.format(
                Locale.ROOT,
                "| macro avg | %.4f | %.4f | %.4f | %d |%n",
                f.macroPrecision(),
                f.macroRecall(),
                f.macroF1(),
                total));
        md.append(String.format(
                Locale.ROOT,
                "| weighted avg | %.4f | %.4f | %.4f | %d |%n",
                total == 0 ? 0 : weightedP / total,
                total == 0 ? 0 : weightedR / total,
                f.weightedF1(),
                total));
        return md.toString();
    }

    public static String confusionTable(ClassificationMetrics f) {
        StringBuilder md = new StringBuilder("| gold \\ predicted | ")
                .append(String.join(" | ", f.labels()))
                .append(" |\n|---|")
                .append("---:|".repeat(f.labels().size()))
                .append('\n');
        for (int g = 0; g < f.labels().size(); g++) {
            md.append("| ").append(f.labels().get(g));
            for (long c : f.confusion()[g]) {
                md.append(" | ").append(c);
            }
            md.append(" |\n");
        }
        return md.toString();
    }
}
