package io.nlistream.trainer.cli;

import io.nlistream.schemas.Labels;
import io.nlistream.schemas.bundle.BundleManifest;
import io.nlistream.schemas.bundle.BundleVerifier;
import io.nlistream.tokenizer.EncodedPair;
import io.nlistream.tokenizer.PaddedBatch;
import io.nlistream.tokenizer.PairTokenizer;
import io.nlistream.tokenizer.Truncation;
import io.nlistream.trainer.bundle.BundleCalibration;
import io.nlistream.trainer.bundle.BundleWriter;
import io.nlistream.trainer.bundle.LabelMapping;
import io.nlistream.trainer.data.NliDataset;
import io.nlistream.trainer.data.NliReader;
import io.nlistream.trainer.eval.Calibration;
import io.nlistream.trainer.eval.MetricsJson;
import io.nlistream.trainer.eval.RunMetrics;
import io.nlistream.trainer.eval.RunReport;
import io.nlistream.trainer.onnx.OnnxExporter;
import io.nlistream.trainer.onnx.OrtModel;
import io.nlistream.trainer.parity.DjlReference;
import io.nlistream.trainer.parity.ReferenceModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code calibrate}: fits the temperature of an existing run (its LoRA adapter on its base model) or bundle (its fp32
 * ONNX logits) on held-out labelled pairs. A run gets the calibration in metrics.json, report.md and report.html (then
 * {@code export --report RUN} bakes it in); a bundle is copied to {@code --out} with calibrated probabilities.
 */
@Command(
        name = "calibrate",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Fit a temperature T on held-out labelled pairs so that the probabilities, softmax(logits / T),"
                + " mean what they say; reports ECE, NLL and Brier score before and after and a reliability diagram.")
public final class CalibrateCommand implements Callable<Integer> {
    static final class Target {
        @Option(names = "--run", paramLabel = "DIR", description = "A run written by `train` (LoRA: its adapter/).")
        Path run;

        @Option(names = "--bundle", paramLabel = "DIR", description = "A model bundle (nli-bundle.json).")
        Path bundle;
    }

    @ArgGroup(multiplicity = "1")
    Target target;

    @Option(
            names = "--data",
            required = true,
            paramLabel = "FILE",
            description = "Labelled pairs the model was not trained on (e.g. the validation split).")
    Path dataFile;

    @Option(names = "--out", paramLabel = "DIR", description = "Where to write the calibrated bundle (--bundle only).")
    Path out;

    @Option(
            names = "--bundle-version",
            paramLabel = "VERSION",
            description = "Version of the calibrated bundle (default: the bundle's, with +calibrated).")
    String version;

    @Option(names = "--force", description = "Replace --out if it exists.")
    boolean force;

    @Option(names = "--batch-size", defaultValue = "32", description = "Pairs per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws IOException {
        try {
            return target.bundle != null ? bundle() : run();
        } catch (IllegalArgumentException e) {
            System.err.println("calibrate: " + e.getMessage());
            return 2;
        }
    }

    private int bundle() throws IOException {
        if (out == null) {
            throw new IllegalArgumentException("--bundle needs --out DIR: the calibrated copy is written there");
        }
        BundleManifest m = BundleVerifier.verify(target.bundle);
        NliDataset dataset = NliReader.read(dataFile, data.toReadOptions());
        Calibration.Fit fit;
        try (PairTokenizer tokenizer =
                        PairTokenizer.load(target.bundle, m.maxLength(), Truncation.fromId(m.truncation()), m.padId());
                OrtModel ort = OrtModel.load(
                        target.bundle.resolve(m.variant("fp32").orElseThrow().file()), 0)) {
            fit = fit(
                    dataset,
                    tokenizer,
                    (ids, mask, b, len) -> ort.run(ids, mask, b, len).logits(),
                    m.labels());
        }
        print(fit);
        String v =
                version != null ? version : m.version() + (m.version().contains("+") ? ".calibrated" : "+calibrated");
        BundleManifest written = BundleCalibration.write(target.bundle, out, v, BundleWriter.toManifest(fit), force);
        System.out.println("calibrated bundle " + written.name() + " " + written.version() + " written to " + out);
        return 0;
    }

    private int run() throws IOException {
        RunMetrics metrics = MetricsJson.readRun(target.run);
        Path adapter = target.run.resolve("adapter");
        if (!Files.isRegularFile(adapter.resolve("adapter_config.json"))) {
            throw new IllegalArgumentException(target.run + " has no adapter/ (only LoRA runs keep their weights in"
                    + " the run): export the fine-tuned checkpoint and calibrate the bundle with --bundle");
        }
        Object maxLength = metrics.config().getOrDefault("max-length", 128);
        NliDataset dataset = NliReader.read(dataFile, data.toReadOptions());
        Calibration.Fit fit;
        try (OnnxExporter model = OnnxExporter.load(Path.of(metrics.model()), adapter);
                ReferenceModel reference = new DjlReference(model.model());
                PairTokenizer tokenizer = PairTokenizer.load(
                        Files.isRegularFile(adapter.resolve(PairTokenizer.TOKENIZER_FILE))
                                ? adapter
                                : Path.of(metrics.model()),
                        Integer.parseInt(maxLength.toString()))) {
            List<String> labels = LabelMapping.toContract(model.config().labels(), metrics.model());
            fit = fit(dataset, tokenizer, reference::logits, labels);
        }
        print(fit);
        Path report = RunReport.write(target.run, metrics.withCalibration(fit));
        System.out.println("wrote " + report + ", " + target.run.resolve(RunReport.HTML) + " and "
                + target.run.resolve(RunMetrics.FILE) + "; `export --report " + target.run
                + "` puts the calibration in the bundle");
        return 0;
    }

    /** Model logits: one padded batch in, rows of logits (model label order) out. */
    private interface Logits {
        float[][] of(long[] ids, long[] mask, int batch, int length);
    }

    private Calibration.Fit fit(NliDataset dataset, PairTokenizer tokenizer, Logits model, List<String> modelLabels) {
        int k = modelLabels.size();
        List<EncodedPair> encoded = tokenizer.encodeAll(dataset.premises(), dataset.hypotheses());
        float[] logits = new float[encoded.size() * k];
        int[] gold = new int[encoded.size()];
        for (int i = 0; i < encoded.size(); i++) {
            // the model's column of the contract label
            gold[i] = modelLabels.indexOf(Labels.CONTRACT.get(dataset.labels()[i]));
        }
        for (int start = 0; start < encoded.size(); start += batchSize) {
            List<EncodedPair> chunk = encoded.subList(start, Math.min(encoded.size(), start + batchSize));
            PaddedBatch b = tokenizer.pad(chunk);
            float[][] rows = model.of(b.inputIds(), b.attentionMask(), b.batchSize(), b.sequenceLength());
            for (int r = 0; r < rows.length; r++) {
                System.arraycopy(rows[r], 0, logits, (start + r) * k, k);
            }
        }
        return Calibration.fit(logits, gold, k, dataFile.getFileName().toString());
    }

    private static void print(Calibration.Fit fit) {
        System.out.printf(
                Locale.ROOT,
                "calibration on %s (%d pairs): T = %.4f%n  before %s%n  after  %s%n",
                fit.fittedOn(),
                fit.examples(),
                fit.temperature(),
                fit.before().format(),
                fit.after().format());
    }
}
