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
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportTest {
    @TempDir
    Path dir;

    static RunMetrics run(String name, int[] gold, int[] finalPred) {
        List<EpochMetrics> epochs = List.of(
                new EpochMetrics(
                        1,
                        1.05,
                        ClassificationMetrics.of(gold, new int[gold.length], Labels.CONTRACT, 1.02),
                        1.5e-4,
                        12.0,
                        400),
                new EpochMetrics(
                        2, 0.80, ClassificationMetrics.of(gold, finalPred, Labels.CONTRACT, 0.75), 0, 11.5, 410));
        Map<String, long[]> dist = new LinkedHashMap<>();
        dist.put("train", new long[] {10, 12, 8});
        dist.put("eval", new long[] {4, 3, 3});
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("lr", 2e-4);
        config.put("batch-size", 32);
        return new RunMetrics(
                name,
                "fixtures/deberta-tiny-a",
                config,
                dist,
                4291,
                128774,
                epochs,
                2,
                null,
                ClassificationMetrics.of(gold, finalPred, Labels.CONTRACT, 0.75),
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
                .contains("| CamemBERT (`fixtures/deberta-tiny-a`) | 75.00 % |")
                .contains("| CamemBERTa (`fixtures/deberta-tiny-a`) | 100.00 % | 1.0000 | 1.0000 |");
        assertPng(out.resolve(RunComparison.PNG));
        assertThat(MetricsJson.mapper().readTree(out.resolve(RunComparison.JSON).toFile()))
                .hasSize(2);
    }
}
