package io.nlistream.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlistream.schemas.bundle.BundleManifest;
import io.nlistream.trainer.eval.Calibration;
import io.nlistream.trainer.eval.HtmlPages;
import io.nlistream.trainer.eval.HtmlReport;
import io.nlistream.trainer.eval.MetricsJson;
import io.nlistream.trainer.eval.RunComparison;
import io.nlistream.trainer.eval.RunMetrics;
import io.nlistream.trainer.eval.RunReport;
import io.nlistream.trainer.onnx.OrtModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** The train / evaluate / compare commands end to end on a fixture model and a small separable NLI-like task. */
class TrainCommandTest {
    private static final String[] CUES = {"oui, c'est vrai", "peut-être", "non, c'est faux"};
    private static final String[] FILLER = {
        "le chat dort",
        "la maison est grande",
        "il pleut sur la ville",
        "les enfants jouent dehors",
        "elle lit un livre",
        "nous mangeons du pain",
        "le train arrive"
    };

    @TempDir
    Path dir;

    static Path fixture(String name) {
        return Path.of(System.getProperty("nli.fixtures.dir", "../fixtures"), name);
    }

    /** The hypothesis is a cue phrase that gives the label: separable, like a model that learned negation cues. */
    static Path cueTask(Path file, int n, long seed) throws IOException {
        Random r = new Random(seed);
        List<String> lines = new ArrayList<>(List.of("premise\thypothesis\tlabel"));
        for (int i = 0; i < n; i++) {
            int label = i % 3;
            String premise = FILLER[r.nextInt(FILLER.length)] + ".";
            String hypothesis = CUES[label] + ".";
            lines.add(premise + "\t" + hypothesis + "\t" + label);
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    record Run(int exit, String out, String err) {}

    static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int exit = TrainerCli.commandLine().execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void trainLearnsTheTaskAndWritesReportPlotsMetricsAndCompare() throws IOException {
        Path data = cueTask(dir.resolve("train.tsv"), 48, 1);
        Path heldOut = cueTask(dir.resolve("held-out.tsv"), 30, 7);
        Path run = dir.resolve("run");
        Run r = cli(
                "train",
                "--model",
                fixture("deberta-tiny-a").toString(),
                "--train",
                data.toString(),
                "--eval",
                data.toString(),
                "--output",
                run.toString(),
                "--epochs",
                "6",
                "--batch-size",
                "8",
                "--lr",
                "1e-2",
                "--patience",
                "0",
                "--no-progress",
                "--name",
                "tiny",
                "--calibration",
                heldOut.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        RunMetrics m = MetricsJson.readRun(run);
        assertThat(m.finalEval().accuracy()).as("train accuracy").isGreaterThanOrEqualTo(0.95);
        assertThat(m.config()).containsEntry("batch-size", 8).containsEntry("seed", 42);
        assertThat(r.out()).contains("trainable params:").contains("entailment").contains("epoch 6/6");
        for (String png :
                List.of(RunReport.LOSS_PNG, RunReport.SCORES_PNG, RunReport.CONFUSION_PNG, RunReport.LABELS_PNG)) {
            assertThat(run.resolve(RunReport.PLOTS).resolve(png)).isNotEmptyFile();
        }
        assertThat(Files.readString(run.resolve(RunReport.REPORT)))
                .contains("# tiny")
                .contains("## Training")
                .contains("## Calibration")
                .contains("ECE");
        // report.html: the same report on one self-contained page (plots embedded), what a user opens or shares
        Document page = HtmlPages.openSelfContained(run.resolve(RunReport.HTML));
        assertThat(HtmlPages.sectionIds(page))
                .containsExactly("recipe", "labels", "training", "evaluation", "confusion", "calibration");
        assertThat(HtmlPages.table(HtmlPages.section(page, "recipe"), 0))
                .contains(
                        List.of("train", data.toString()),
                        List.of("seed", "42"),
                        List.of("lora-r", "8"),
                        List.of("batch-size", "8"))
                .anySatisfy(row -> assertThat(row.get(0)).isEqualTo("device"));
        assertThat(HtmlPages.table(HtmlPages.section(page, "training"), 0)).hasSize(1 + 6);
        assertThat(HtmlPages.table(HtmlPages.section(page, "evaluation"), 0))
                .extracting(row -> row.get(0))
                .containsExactly(
                        "label", "entailment", "neutral", "contradiction", "accuracy", "macro avg", "weighted avg");
        assertThat(HtmlPages.section(page, "calibration").getTextContent())
                .contains("held-out.tsv")
                .contains(String.format(Locale.ROOT, "T = %.4f", m.calibration().temperature()));
        assertThat(HtmlPages.images(page.getDocumentElement()))
                .as("label distribution, loss, accuracy/F1, confusion matrix, reliability")
                .hasSize(5);
        assertThat(r.out()).contains(run.resolve(RunReport.HTML).toString());
        // the temperature fitted on the held-out file at the end of training: never worse NLL, same accuracy
        Calibration.Fit cal = m.calibration();
        assertThat(cal.fittedOn()).isEqualTo("held-out.tsv");
        assertThat(cal.examples()).isEqualTo(30);
        assertThat(cal.after().nll()).isLessThanOrEqualTo(cal.before().nll() + 1e-9);
        assertThat(cal.after().accuracy()).isEqualTo(cal.before().accuracy());
        assertThat(m.finalEval().ece()).isBetween(0.0, 1.0);
        assertThat(run.resolve(RunReport.PLOTS).resolve(RunReport.RELIABILITY_PNG))
                .isNotEmptyFile();
        assertThat(r.out()).contains("calibration on ").contains("T = ");
        // LoRA by default (the seed's recipe): only LoRA + head trained, written as a PEFT adapter with the tokenizer
        assertThat(m.config()).containsEntry("trainable", "lora").containsEntry("lora-r", 8);
        assertThat(r.out()).contains("trainable params: 4,291 ||");
        Path adapter = run.resolve("adapter");
        assertThat(adapter.resolve("adapter_config.json")).isNotEmptyFile();
        assertThat(adapter.resolve("adapter_model.safetensors")).isNotEmptyFile();
        assertThat(adapter.resolve("tokenizer.json")).isNotEmptyFile();
        // the base checkpoint plus the adapter, without an export, scores the train run's restored model
        Path evaluated = dir.resolve("adapter-eval");
        Run eval = cli(
                "evaluate",
                "--model",
                fixture("deberta-tiny-a").toString(),
                "--adapter",
                adapter.toString(),
                "--data",
                data.toString(),
                "--output",
                evaluated.toString());
        assertThat(eval.exit()).as(eval.out() + eval.err()).isZero();
        RunMetrics e = MetricsJson.readRun(evaluated);
        assertThat(e.finalEval().confusion()).isDeepEqualTo(m.finalEval().confusion());
        assertThat(e.finalEval().loss()).isCloseTo(m.finalEval().loss(), org.assertj.core.data.Offset.offset(1e-5));
        Run plain = cli(
                "evaluate",
                "--model",
                fixture("deberta-tiny-a").toString(),
                "--data",
                data.toString(),
                "--output",
                dir.resolve("plain-eval").toString());
        assertThat(MetricsJson.readRun(dir.resolve("plain-eval")).finalEval().loss())
                .as(plain.err())
                .isNotCloseTo(e.finalEval().loss(), org.assertj.core.data.Offset.offset(1e-3));
        Run predict = cli(
                "predict",
                "--model",
                fixture("deberta-tiny-a").toString(),
                "--adapter",
                adapter.toString(),
                "--pairs",
                data.toString(),
                "--json");
        assertThat(predict.exit()).as(predict.err()).isZero();
        List<String> lines =
                predict.out().lines().filter(l -> l.startsWith("{")).toList();
        List<String> evalLines = Files.readAllLines(evaluated.resolve(EvaluateCommand.PREDICTIONS));
        assertThat(lines).hasSameSizeAs(evalLines);
        for (int i = 0; i < lines.size(); i++) {
            assertThat(MetricsJson.mapper().readTree(lines.get(i)).get("label").asText())
                    .as("pair %d", i)
                    .isEqualTo(MetricsJson.mapper()
                            .readTree(evalLines.get(i))
                            .get("predicted")
                            .asText());
        }
        Run noAdapter = cli(
                "evaluate",
                "--model",
                fixture("deberta-tiny-a").toString(),
                "--adapter",
                dir.resolve("missing").toString(),
                "--data",
                data.toString(),
                "--output",
                evaluated.toString());
        assertThat(noAdapter.exit()).isEqualTo(2);
        assertThat(noAdapter.err()).contains("must hold adapter_config.json");

        Path bundle = dir.resolve("bundle");
        Run export = cli(
                "export",
                "--model",
                fixture("deberta-tiny-a").toString(),
                "--adapter",
                adapter.toString(),
                "--out",
                bundle.toString(),
                "--sample",
                data.toString(),
                "--sample-size",
                "8",
                "--report",
                run.toString());
        assertThat(export.exit()).as(export.out() + export.err()).isZero();
        BundleManifest manifest = io.nlistream.schemas.bundle.BundleVerifier.verify(bundle);
        assertThat(manifest.architecture()).isNotBlank();
        // the bundle carries the run's temperature and its probabilities output applies it; logits stay raw
        assertThat(manifest.temperature()).isEqualTo(cal.temperature());
        assertThat(manifest.calibration().fittedOn()).isEqualTo("held-out.tsv");
        assertThat(manifest.calibration().after().ece()).isEqualTo(cal.after().ece());
        assertCalibrated(bundle.resolve("model.onnx"), cal.temperature());
        assertThat(bundle.resolve("adapter").resolve("adapter_model.safetensors"))
                .isNotEmptyFile();

        Run cmp = cli(
                "compare",
                run.toString(),
                run.toString(),
                "--output",
                dir.resolve("cmp").toString());
        assertThat(cmp.exit()).as(cmp.err()).isZero();
        assertThat(dir.resolve("cmp").resolve(RunComparison.PNG)).isNotEmptyFile();
        Document comparison = HtmlPages.openSelfContained(dir.resolve("cmp").resolve(HtmlReport.FILE));
        assertThat(HtmlPages.table(HtmlPages.section(comparison, "comparison"), 0))
                .extracting(row -> row.get(0))
                .containsExactly("run", "tiny", "tiny");
        assertThat(HtmlPages.images(comparison.getDocumentElement())).hasSize(1);
        assertThat(cmp.out())
                .contains("| tiny | ")
                .contains("| ECE |")
                .contains(String.format(Locale.ROOT, "%.4f (%.3f)", cal.after().ece(), cal.temperature()));

        // calibrate an existing run on other data: metrics.json and the report get the new fit
        Path other = cueTask(dir.resolve("other.tsv"), 21, 8);
        Run again = cli("calibrate", "--run", run.toString(), "--data", other.toString());
        assertThat(again.exit()).as(again.out() + again.err()).isZero();
        Calibration.Fit refit = MetricsJson.readRun(run).calibration();
        assertThat(refit.fittedOn()).isEqualTo("other.tsv");
        assertThat(refit.examples()).isEqualTo(21);
        assertThat(refit.after().nll()).isLessThanOrEqualTo(refit.before().nll() + 1e-9);

        // calibrate a bundle: a verified copy with the new temperature in the manifest and in every ONNX variant
        Path recalibrated = dir.resolve("bundle-cal");
        Run cb = cli(
                "calibrate",
                "--bundle",
                bundle.toString(),
                "--data",
                other.toString(),
                "--out",
                recalibrated.toString());
        assertThat(cb.exit()).as(cb.out() + cb.err()).isZero();
        BundleManifest rm = io.nlistream.schemas.bundle.BundleVerifier.verify(recalibrated);
        assertThat(rm.version()).isEqualTo(manifest.version() + "+calibrated");
        assertThat(rm.calibration().fittedOn()).isEqualTo("other.tsv");
        // same raw logits (DJL vs ONNX Runtime), so the same temperature as the run's refit, to the search's precision
        assertThat(rm.temperature()).isCloseTo(refit.temperature(), org.assertj.core.data.Offset.offset(1e-3));
        assertCalibrated(recalibrated.resolve("model.onnx"), rm.temperature());
        assertThat(io.nlistream.schemas.bundle.BundleVerifier.verify(bundle).temperature())
                .as("the source bundle is untouched")
                .isEqualTo(cal.temperature());
        Run noOut = cli("calibrate", "--bundle", bundle.toString(), "--data", other.toString());
        assertThat(noOut.exit()).isEqualTo(2);
        assertThat(noOut.err()).contains("--out");
    }

    @Test
    void configFileSetsDefaultsAndFlagsWin() throws IOException {
        Path data = cueTask(dir.resolve("train.tsv"), 30, 2);
        Path config = dir.resolve("run.properties");
        Files.writeString(config, "epochs=1\nbatch-size=8\nlr=1e-3\nseed=7\n");
        Path run = dir.resolve("run");
        Run r = cli(
                "train",
                "--config",
                config.toString(),
                "--model",
                fixture("camembert-tiny").toString(),
                "--train",
                data.toString(),
                "--eval",
                data.toString(),
                "--output",
                run.toString(),
                "--seed",
                "9",
                "--no-progress");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        RunMetrics m = MetricsJson.readRun(run);
        assertThat(m.config())
                .containsEntry("batch-size", 8)
                .containsEntry("epochs", 1)
                .containsEntry("seed", 9);
        assertThat(m.epochs()).hasSize(1);

        Files.writeString(config, "batch_size=8\n");
        Run bad = cli(
                "train",
                "--config",
                config.toString(),
                "--model",
                fixture("camembert-tiny").toString(),
                "--train",
                data.toString(),
                "--eval",
                data.toString(),
                "--output",
                dir.resolve("x").toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("unknown setting 'batch_size'");
    }

    @Test
    void badInputExitsTwoWithAClearMessage() throws IOException {
        Path data = cueTask(dir.resolve("train.tsv"), 12, 3);
        Path bad = dir.resolve("bad.tsv");
        Files.writeString(bad, "premise\thypothesis\tlabel\nA.\tB.\tpeut-etre\n");
        String model = fixture("deberta-tiny-a").toString();
        Run cuda = cli(
                "train",
                "--model",
                model,
                "--train",
                data.toString(),
                "--eval",
                data.toString(),
                "--output",
                dir.resolve("a").toString(),
                "--device",
                "cuda");
        assertThat(cuda.exit()).isEqualTo(2);
        assertThat(cuda.err()).contains("sees no CUDA GPU").contains("--device cpu");
        Run multi = cli(
                "train",
                "--model",
                model,
                "--train",
                data.toString(),
                "--eval",
                data.toString(),
                "--output",
                dir.resolve("b").toString(),
                "--devices",
                "2");
        assertThat(multi.exit()).isEqualTo(2);
        assertThat(multi.err()).contains("data-parallel training on several GPUs is not supported");
        Run label = cli(
                "train",
                "--model",
                model,
                "--train",
                bad.toString(),
                "--eval",
                data.toString(),
                "--output",
                dir.resolve("c").toString());
        assertThat(label.exit()).isEqualTo(2);
        assertThat(label.err()).contains("bad.tsv:2:").contains("unknown label 'peut-etre'");
    }

    /** The ONNX probabilities are softmax(logits / T) of the ONNX logits. */
    private static void assertCalibrated(Path onnx, double temperature) {
        try (OrtModel ort = OrtModel.load(onnx, 1)) {
            OrtModel.Output o = ort.run(new long[] {1, 40, 41, 2, 42, 43, 2}, new long[] {1, 1, 1, 1, 1, 1, 1}, 1, 7);
            float[] expected = Calibration.probabilities(o.logits()[0], 3, temperature);
            for (int j = 0; j < 3; j++) {
                assertThat(o.probabilities()[0][j]).isCloseTo(expected[j], org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
    }

    @Test
    void evaluateMapsTheCheckpointsLabelsAndWritesPredictions() throws IOException {
        // markup in a file name or a run name ends up as text in report.html, never as markup
        Path data = cueTask(dir.resolve("eval-<script>.tsv"), 15, 4);
        Path out = dir.resolve("eval");
        Run r = cli(
                "evaluate",
                "--model",
                fixture("deberta-tiny-a").toString(),
                "--data",
                data.toString(),
                "--output",
                out.toString(),
                "--name",
                "<b>tiny</b>");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        RunMetrics m = MetricsJson.readRun(out);
        assertThat(m.finalEval().examples()).isEqualTo(15);
        assertThat(HtmlPages.read(out.resolve(RunReport.HTML)))
                .doesNotContain("<script>")
                .doesNotContain("<b>");
        Document page = HtmlPages.openSelfContained(out.resolve(RunReport.HTML));
        assertThat(page.getElementsByTagName("h1").item(0).getTextContent()).startsWith("<b>tiny</b>");
        assertThat(HtmlPages.sectionIds(page)).containsExactly("recipe", "labels", "evaluation", "confusion");
        assertThat(HtmlPages.table(HtmlPages.section(page, "recipe"), 0))
                .contains(List.of("data", data.toString()), List.of("max-length", "128"))
                .anySatisfy(row -> assertThat(row.get(0)).isEqualTo("device"));
        List<List<String>> confusion = HtmlPages.table(HtmlPages.section(page, "confusion"), 0);
        long counted = confusion.stream()
                .skip(1)
                .flatMap(row -> row.stream().skip(1))
                .mapToLong(Long::parseLong)
                .sum();
        assertThat(counted).as("every pair in the confusion table").isEqualTo(15);
        assertThat(HtmlPages.images(page.getDocumentElement())).hasSize(2);
        List<String> predictions = Files.readAllLines(out.resolve(EvaluateCommand.PREDICTIONS));
        assertThat(predictions).hasSize(15);
        assertThat(MetricsJson.mapper().readTree(predictions.get(0)).get("probabilities"))
                .hasSize(3);
        assertThat(out.resolve(RunReport.PLOTS).resolve(RunReport.CONFUSION_PNG))
                .isNotEmptyFile();
        assertThat(r.out()).contains("accuracy").contains("ECE").contains("| gold \\ predicted |");
        assertThat(m.finalEval().ece()).isBetween(0.0, 1.0);
    }
}
