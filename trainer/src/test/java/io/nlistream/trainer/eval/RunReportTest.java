package io.nlistream.trainer.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlistream.schemas.Labels;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

class RunReportTest {
    @TempDir
    Path dir;

    static RunMetrics run(String name, int[] gold, int[] finalPred) {
        return run(name, gold, finalPred, Labels.CONTRACT, "fixtures/deberta-tiny-a");
    }

    static RunMetrics run(String name, int[] gold, int[] finalPred, List<String> labels, String model) {
        List<EpochMetrics> epochs = List.of(
                new EpochMetrics(
                        1, 1.05, ClassificationMetrics.of(gold, new int[gold.length], labels, 1.02), 1.5e-4, 12.0, 400),
                new EpochMetrics(2, 0.80, ClassificationMetrics.of(gold, finalPred, labels, 0.75), 0, 11.5, 410));
        Map<String, long[]> dist = new LinkedHashMap<>();
        dist.put("train", new long[] {10, 12, 8});
        dist.put("eval", new long[] {4, 3, 3});
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("lr", 2e-4);
        config.put("batch-size", 32);
        return new RunMetrics(
                name,
                model,
                config,
                dist,
                4291,
                128774,
                epochs,
                2,
                null,
                ClassificationMetrics.of(gold, finalPred, labels, 0.75),
                null);
    }

    static void assertPng(Path png) throws IOException {
        byte[] bytes = Files.readAllBytes(png);
        assertThat(Arrays.copyOf(bytes, 8)).containsExactly(0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(Charts.WIDTH);
        assertThat(image.getHeight()).isEqualTo(Charts.HEIGHT);
        // A drawn chart is not one flat colour.
        int first = image.getRGB(0, 0);
        boolean varied = false;
        for (int y = 0; y < image.getHeight() && !varied; y += 7) {
            for (int x = 0; x < image.getWidth() && !varied; x += 7) {
                varied = image.getRGB(x, y) != first;
            }
        }
        assertThat(varied).as("%s has content", png).isTrue();
    }

    @Test
    void writesMetricsJsonReportAndValidPngPlots() throws IOException {
        int[] gold = {0, 0, 0, 1, 1, 2, 2, 2, 2, 2};
        int[] pred = {0, 1, 0, 1, 2, 2, 2, 0, 2, 1};
        Path report = RunReport.write(dir, run("CamemBERTa", gold, pred));
        for (String png :
                List.of(RunReport.LOSS_PNG, RunReport.SCORES_PNG, RunReport.CONFUSION_PNG, RunReport.LABELS_PNG)) {
            assertPng(dir.resolve(RunReport.PLOTS).resolve(png));
        }
        String md = Files.readString(report);
        assertThat(md)
                .contains("| 2 (best) | 0.8000 | 0.7500 | 0.6000 |")
                .contains("Accuracy **60.00 %**")
                .contains("| neutral | 0.3333 | 0.5000 | 0.4000 | 2 |")
                .contains("| contradiction | 1 | 1 | 3 |")
                .contains("| train | 10 | 12 | 8 | 30 |")
                .contains("plots/confusion_matrix.png");

        RunMetrics back = MetricsJson.readRun(dir);
        assertThat(back.finalEval().accuracy()).isEqualTo(0.6);
        assertThat(back.finalEval().confusion()).isDeepEqualTo(new long[][] {{2, 1, 0}, {0, 1, 1}, {1, 1, 3}});
        assertThat(back.epochs()).hasSize(2);
        assertThat(back.bestEpoch()).isEqualTo(2);
        assertThat(back.labelDistributions().get("eval")).containsExactly(4, 3, 3);

        // report.html: the same content on one self-contained page, the plots embedded
        Document page = HtmlPages.openSelfContained(dir.resolve(RunReport.HTML));
        assertThat(HtmlPages.sectionIds(page))
                .containsExactly("recipe", "labels", "training", "evaluation", "confusion");
        assertThat(HtmlPages.table(HtmlPages.section(page, "recipe"), 0))
                .containsExactly(List.of("setting", "value"), List.of("lr", "2.0E-4"), List.of("batch-size", "32"));
        List<List<String>> epochs = HtmlPages.table(HtmlPages.section(page, "training"), 0);
        assertThat(epochs).hasSize(3);
        assertThat(epochs.get(2)).startsWith("2 (best)", "0.8000", "0.7500", "0.6000");
        assertThat(HtmlPages.table(HtmlPages.section(page, "evaluation"), 0))
                .contains(
                        List.of("neutral", "0.3333", "0.5000", "0.4000", "2"),
                        List.of("accuracy", "", "", "0.6000", "10"));
        assertThat(HtmlPages.table(HtmlPages.section(page, "confusion"), 0))
                .containsExactly(
                        List.of("gold \\ predicted", "entailment", "neutral", "contradiction"),
                        List.of("entailment", "2", "1", "0"),
                        List.of("neutral", "0", "1", "1"),
                        List.of("contradiction", "1", "1", "3"));
        // each plot is embedded: the confusion matrix decodes to the picture written to plots/
        assertThat(HtmlPages.images(page.getDocumentElement())).hasSize(4);
        BufferedImage confusion =
                HtmlPages.images(HtmlPages.section(page, "confusion")).get(0);
        BufferedImage onDisk = ImageIO.read(
                dir.resolve(RunReport.PLOTS).resolve(RunReport.CONFUSION_PNG).toFile());
        assertThat(confusion.getRGB(450, 280)).isEqualTo(onDisk.getRGB(450, 280));
        assertThat(confusion.getWidth()).isEqualTo(Charts.WIDTH);
    }

    @Test
    void htmlReportEscapesLabelsNamesAndPathsAndShowsTheCalibration() throws IOException {
        String label = "<script>alert('label')</script>";
        String name = "<img src=x onerror=alert(1)> & co";
        String model = "models/\"quoted\" & <b>bold</b>";
        List<String> labels = List.of(label, "neutral", "contradiction");
        int[] gold = {0, 0, 1, 1, 2, 2};
        RunMetrics plain = run(name, gold, new int[] {0, 1, 1, 1, 2, 0}, labels, model);
        float[] logits = {3, 0, 0, 0, 2, 0, 0, 3, 0, 0, 0, 2, 0, 0, 3, 2, 0, 0};
        RunMetrics run = plain.withCalibration(Calibration.fit(logits, gold, 3, "held-out <1>.tsv"));
        RunReport.write(dir, run);

        String html = Files.readString(dir.resolve(RunReport.HTML));
        assertThat(html).doesNotContain(label).doesNotContain("<img src=x").doesNotContain("<b>bold");
        assertThat(html).contains("&lt;script&gt;alert('label')&lt;/script&gt;");
        Document page = HtmlPages.openSelfContained(dir.resolve(RunReport.HTML));
        // the strings come back as the user wrote them: escaped, not dropped or mangled
        assertThat(page.getElementsByTagName("h1").item(0).getTextContent()).startsWith(name);
        assertThat(page.getElementsByTagName("header").item(0).getTextContent()).contains(model);
        assertThat(HtmlPages.table(HtmlPages.section(page, "confusion"), 0).get(1))
                .startsWith(label);
        assertThat(HtmlPages.table(HtmlPages.section(page, "evaluation"), 0).get(1))
                .startsWith(label);

        Element calibration = HtmlPages.section(page, "calibration");
        assertThat(calibration.getTextContent())
                .contains(
                        String.format(Locale.ROOT, "T = %.4f", run.calibration().temperature()))
                .contains("held-out <1>.tsv");
        List<List<String>> metrics = HtmlPages.table(calibration, 0);
        assertThat(metrics.get(0)).containsExactly("", "ECE (15 bins)", "NLL", "Brier", "accuracy");
        assertThat(metrics.get(1).get(0)).isEqualTo("before (T = 1)");
        assertThat(metrics.get(2))
                .containsExactly(
                        "after",
                        String.format(
                                Locale.ROOT, "%.4f", run.calibration().after().ece()),
                        String.format(
                                Locale.ROOT, "%.4f", run.calibration().after().nll()),
                        String.format(
                                Locale.ROOT, "%.4f", run.calibration().after().brier()),
                        String.format(
                                Locale.ROOT, "%.4f", run.calibration().after().accuracy()));
        assertThat(HtmlPages.images(calibration)).hasSize(1);
        // report.md says the same: one document renders both
        assertThat(Files.readString(dir.resolve(RunReport.REPORT)))
                .contains("| " + label + " | 1 | 1 | 0 |")
                .contains("## Calibration");
    }

    @Test
    void compareWritesTheSeedTableAndBarChart() throws IOException {
        int[] gold = {0, 1, 2, 0, 1, 2, 0, 1};
        Path a = dir.resolve("camembert");
        Path b = dir.resolve("camemberta");
        RunReport.write(a, run("CamemBERT", gold, new int[] {0, 1, 2, 0, 1, 2, 1, 0}));
        RunReport.write(b, run("CamemBERTa", gold, gold.clone()));
        Path out = dir.resolve("cmp");
        List<RunComparison.Row> rows = RunComparison.write(List.of(a, b), out);
        assertThat(rows).extracting(RunComparison.Row::accuracy).containsExactly(0.75, 1.0);
        assertThat(Files.readString(out.resolve(RunComparison.MARKDOWN)))
                .contains("| CamemBERT | fixtures/deberta-tiny-a | 75.00 % |")
                .contains("| CamemBERTa | fixtures/deberta-tiny-a | 100.00 % | 1.0000 | 1.0000 |");
        assertPng(out.resolve(RunComparison.PNG));
        Document page = HtmlPages.openSelfContained(out.resolve(HtmlReport.FILE));
        Element side = HtmlPages.section(page, "comparison");
        List<List<String>> table = HtmlPages.table(side, 0);
        assertThat(table.get(0)).startsWith("run", "checkpoint", "accuracy", "macro-F1", "weighted-F1", "ECE");
        assertThat(table.get(1)).startsWith("CamemBERT", "fixtures/deberta-tiny-a", "75.00 %");
        assertThat(table.get(2)).startsWith("CamemBERTa", "fixtures/deberta-tiny-a", "100.00 %", "1.0000");
        assertThat(HtmlPages.images(side))
                .singleElement()
                .satisfies(i -> assertThat(i.getWidth()).isEqualTo(Charts.WIDTH));
        assertThat(MetricsJson.mapper().readTree(out.resolve(RunComparison.JSON).toFile()))
                .hasSize(2);
    }
}
