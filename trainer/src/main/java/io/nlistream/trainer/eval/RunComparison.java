package io.nlistream.trainer.eval;

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
 * run was calibrated), and the same scores as a grouped bar chart.
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

    /** Writes comparison.md, comparison.json and comparison.png into {@code out}; returns the rows. */
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
        try {
            Files.writeString(out.resolve(MARKDOWN), markdown(rows));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out.resolve(MARKDOWN), e);
        }
        return rows;
    }

    public static String markdown(List<Row> rows) {
        StringBuilder md = new StringBuilder("# Model comparison\n\n| model | accuracy | macro-F1 | weighted-F1 | ECE"
                + " | ECE calibrated (T) | eval loss | best epoch | epochs | trainable parameters |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %s (`%s`) | %.2f %% | %.4f | %.4f | %s | %s | %.4f | %d | %d | %,d |%n",
                    r.name(),
                    r.model(),
                    100 * r.accuracy(),
                    r.macroF1(),
                    r.weightedF1(),
                    r.ece() == null ? "–" : String.format(Locale.ROOT, "%.4f", r.ece()),
                    r.calibratedEce() == null
                            ? "–"
                            : String.format(Locale.ROOT, "%.4f (%.3f)", r.calibratedEce(), r.temperature()),
                    r.loss(),
                    r.bestEpoch(),
                    r.epochsRun(),
                    r.trainableParameters()));
        }
        md.append("\n![comparison](").append(PNG).append(")\n");
        return md.toString();
    }

    private static String uniqueName(Map<String, ?> taken, String name) {
        String n = name;
        for (int i = 2; taken.containsKey(n); i++) {
            n = name + " (" + i + ")";
        }
        return n;
    }
}
