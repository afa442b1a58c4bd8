package io.nlistream.trainer.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.bundle.BundleManifest;
import io.nlistream.schemas.bundle.BundleVerifier;
import io.nlistream.schemas.bundle.Sha256;
import io.nlistream.tokenizer.EncodedPair;
import io.nlistream.tokenizer.PairTokenizer;
import io.nlistream.tokenizer.Truncation;
import io.nlistream.trainer.eval.Calibration;
import io.nlistream.trainer.eval.MetricsJson;
import io.nlistream.trainer.eval.RunMetrics;
import io.nlistream.trainer.model.lora.PeftAdapter;
import io.nlistream.trainer.onnx.ArchitectureExporter;
import io.nlistream.trainer.onnx.ExportCheck;
import io.nlistream.trainer.onnx.GraphBuilder;
import io.nlistream.trainer.onnx.OnnxExporter;
import io.nlistream.trainer.onnx.Precision;
import io.nlistream.trainer.parity.DjlReference;
import io.nlistream.trainer.parity.FixtureExpected;
import io.nlistream.trainer.parity.OnnxParity;
import io.nlistream.trainer.parity.ReferenceModel;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes a model bundle (DESIGN.md, "Model bundle"): merges the adapter, exports fp32 ONNX and checks it in ONNX
 * Runtime against the reference (fixture logits and/or the DJL model) before anything is written, exports and
 * measures the requested fp16/int8 variants against fp32, copies tokenizer files, adapter and report, and writes
 * {@code nli-bundle.json}, then verifies the result as the streamer will. The bundle appears atomically: it is built
 * in {@code <out>.partial} and renamed.
 */
public final class BundleWriter {
    /** Rows per batch of the self-check (length-sorted, dynamically padded, as the streamer batches). */
    private static final int CHECK_BATCH = 16;

    /**
     * @param adapterDir a PEFT adapter to merge, or null
     * @param baseModel the Hub id or path recorded as base model, or null to derive it
     * @param variants precisions besides fp32
     * @param samplePairs premise/hypothesis pairs the export is checked on
     * @param reference the model the fp32 export must reproduce on the sample pairs, or null for the DJL model of
     *     the checkpoint (a fixture directory's expected.safetensors is checked too)
     * @param training, metrics recorded as given; null when unknown
     * @param reportDir copied to {@code report/} when not null
     * @param calibration the temperature the probabilities output applies; null: the report's metrics.json
     *     calibration (what {@code train} or {@code calibrate} fitted) when it has one, else none (T = 1)
     */
    public record Request(
            Path modelDir,
            Path adapterDir,
            Path outDir,
            String name,
            String version,
            String baseModel,
            int maxLength,
            Set<Precision> variants,
            List<String[]> samplePairs,
            ReferenceModel reference,
            ObjectNode training,
            ObjectNode metrics,
            Path reportDir,
            boolean replace,
            BundleManifest.Calibration calibration) {}

    private final PrintStream log;

    public BundleWriter(PrintStream log) {
        this.log = log;
    }

    public BundleManifest write(Request r) throws IOException {
        Path out = r.outDir().toAbsolutePath().normalize();
        if (Files.exists(out) && !r.replace() && !isEmptyDir(out)) {
            throw new IllegalArgumentException(
                    out + " already exists and is not empty; choose another --out or pass" + " --force to replace it");
        }
        try (OnnxExporter exporter = OnnxExporter.load(r.modelDir(), r.adapterDir())) {
            return write(r, out, exporter, r.reference() != null ? r.reference() : new DjlReference(exporter.model()));
        }
    }

    private BundleManifest write(Request r, Path out, OnnxExporter exporter, ReferenceModel reference)
            throws IOException {
        List<String> labels = LabelMapping.toContract(exporter.config().labels(), r.modelDir() + "/config.json");
        Path tokenizerDir =
                r.adapterDir() != null && Files.isRegularFile(r.adapterDir().resolve(PairTokenizer.TOKENIZER_FILE))
                        ? r.adapterDir()
                        : r.modelDir();

        BundleManifest.Calibration calibration = calibration(r);
        double temperature = calibration == null ? 1 : calibration.temperature();
        if (calibration != null) {
            log.printf(
                    Locale.ROOT,
                    "probabilities calibrated: softmax(logits / %.4f), fitted on %s%n",
                    temperature,
                    calibration.fittedOn());
        }
        Path partial = out.resolveSibling(out.getFileName() + ".partial");
        BundleFiles.deleteTree(partial);
        Files.createDirectories(partial);
        try (PairTokenizer tokenizer = PairTokenizer.load(tokenizerDir, r.maxLength())) {
            List<ExportCheck.Batch> batches = checkBatches(r, tokenizer);
            List<BundleManifest.Variant> variants = new ArrayList<>();

            Path fp32File = partial.resolve(Precision.FP32.fileName());
            writeModel(exporter, Precision.FP32, temperature, fp32File);
            byte[] fp32 = Files.readAllBytes(fp32File);
            ExportCheck.Outputs fp32Out = ExportCheck.run(fp32, batches);
            ExportCheck.Agreement check =
                    ExportCheck.compare(fp32Out, calibrated(reference.outputs(batches), temperature));
            String against = describe(batches, reference);
            log.printf(
                    "fp32 export vs %s: max |Δlogit| %.3g, max |Δp| %.3g, argmax agreement %.4f over %d rows%n",
                    against, check.maxAbsDiff(), check.maxProbabilityDiff(), check.argmaxAgreement(), check.rows());
            if (check.maxAbsDiff() > OnnxParity.TOLERANCE) {
                throw new ExportCheckFailed(String.format(
                        Locale.ROOT,
                        "the fp32 ONNX export differs from %s by %.3g"
                                + " (max abs logit diff, tolerance %.0e); no bundle was written",
                        against,
                        check.maxAbsDiff(),
                        OnnxParity.TOLERANCE));
            }
            variants.add(new BundleManifest.Variant(
                    Precision.FP32.fileName(),
                    "fp32",
                    check.maxAbsDiff(),
                    check.maxProbabilityDiff(),
                    check.argmaxAgreement(),
                    check.rows()));

            for (Precision p : r.variants()) {
                if (p == Precision.FP32) {
                    continue;
                }
                Path file = partial.resolve(p.fileName());
                writeModel(exporter, p, temperature, file);
                ExportCheck.Agreement a =
                        ExportCheck.compare(ExportCheck.run(Files.readAllBytes(file), batches), fp32Out);
                log.printf(
                        "%s vs fp32: max |Δlogit| %.3g, max |Δp| %.3g, argmax agreement %.4f over %d rows%n",
                        p.id(), a.maxAbsDiff(), a.maxProbabilityDiff(), a.argmaxAgreement(), a.rows());
                variants.add(new BundleManifest.Variant(
                        p.fileName(), p.id(), a.maxAbsDiff(), a.maxProbabilityDiff(), a.argmaxAgreement(), a.rows()));
            }

            BundleFiles.copyTokenizer(tokenizerDir, partial);
            if (r.adapterDir() != null) {
                Path adapter = Files.createDirectories(partial.resolve("adapter"));
                for (String f : List.of(PeftAdapter.CONFIG_FILE, PeftAdapter.WEIGHTS_FILE)) {
                    Files.copy(r.adapterDir().resolve(f), adapter.resolve(f));
                }
            }
            if (r.reportDir() != null) {
                BundleFiles.copyTree(r.reportDir(), Files.createDirectories(partial.resolve("report")));
            }

            Map<String, String> files = new TreeMap<>();
            for (String f : BundleFiles.list(partial)) {
                files.put(f, Sha256.ofFile(partial.resolve(f)));
            }
            String tokenizerConfig =
                    Files.isRegularFile(partial.resolve("tokenizer_config.json")) ? "tokenizer_config.json" : null;
            BundleManifest manifest = new BundleManifest(
                    BundleManifest.FORMAT_VERSION,
                    r.name(),
                    r.version(),
                    exporter.config().architecture().manifestName(),
                    baseModel(r),
                    labels,
                    r.maxLength(),
                    Truncation.LONGEST_FIRST.name().toLowerCase(Locale.ROOT),
                    tokenizer.padId(),
                    new BundleManifest.Tokenizer(PairTokenizer.TOKENIZER_FILE, tokenizerConfig),
                    new BundleManifest.Onnx(
                            List.of(ArchitectureExporter.INPUT_IDS, ArchitectureExporter.ATTENTION_MASK),
                            List.of(ArchitectureExporter.LOGITS, ArchitectureExporter.PROBABILITIES),
                            GraphBuilder.OPSET,
                            GraphBuilder.IR_VERSION,
                            variants),
                    r.training(),
                    r.metrics(),
                    files,
                    Instant.now(),
                    calibration);
            Json.mapper()
                    .writerWithDefaultPrettyPrinter()
                    .writeValue(partial.resolve(BundleManifest.FILE_NAME).toFile(), manifest);
            BundleVerifier.verify(partial);

            BundleFiles.deleteTree(out);
            Files.move(partial, out, StandardCopyOption.ATOMIC_MOVE);
            log.println("bundle written to " + out + " (" + files.size() + " files)");
            return BundleVerifier.verify(out);
        } finally {
            BundleFiles.deleteTree(partial);
        }
    }

    private static void writeModel(OnnxExporter exporter, Precision p, double temperature, Path file)
            throws IOException {
        try (OutputStream os = Files.newOutputStream(file)) {
            exporter.export(p, temperature).writeTo(os);
        }
    }

    /** The reference's probabilities as the calibrated export must give them: softmax(logits / T). */
    private static ExportCheck.Outputs calibrated(ExportCheck.Outputs reference, double temperature) {
        return new ExportCheck.Outputs(
                reference.logits(),
                reference.logits().stream()
                        .map(l -> Calibration.probabilities(l, l.length, temperature))
                        .toList());
    }

    private static BundleManifest.Calibration calibration(Request r) {
        if (r.calibration() != null) {
            return r.calibration();
        }
        if (r.reportDir() == null || !Files.isRegularFile(r.reportDir().resolve(RunMetrics.FILE))) {
            return null;
        }
        Calibration.Fit fit = MetricsJson.readRun(r.reportDir()).calibration();
        return fit == null ? null : toManifest(fit);
    }

    /** A fitted temperature as nli-bundle.json records it. */
    public static BundleManifest.Calibration toManifest(Calibration.Fit fit) {
        return new BundleManifest.Calibration(
                BundleManifest.TEMPERATURE_SCALING,
                fit.temperature(),
                fit.fittedOn(),
                fit.examples(),
                toManifest(fit.before()),
                toManifest(fit.after()));
    }

    private static BundleManifest.CalibrationMetrics toManifest(Calibration.Metrics m) {
        return new BundleManifest.CalibrationMetrics(m.ece(), m.nll(), m.brier(), m.accuracy());
    }

    /**
     * The fixture's own inputs (with transformers' logits) when the model directory is a fixture, then the sample
     * pairs.
     */
    private static List<ExportCheck.Batch> checkBatches(Request r, PairTokenizer tokenizer) throws IOException {
        List<ExportCheck.Batch> batches = new ArrayList<>();
        Path expectedFile = r.modelDir().resolve("expected.safetensors");
        if (r.adapterDir() == null && Files.isRegularFile(expectedFile)) {
            FixtureExpected e = FixtureExpected.read(expectedFile, "logits", null);
            batches.add(new ExportCheck.Batch(
                    "fixture", e.inputIds(), e.attentionMask(), e.rows(), e.length(), e.logitRows()));
        }
        List<EncodedPair> encoded = new ArrayList<>(tokenizer.encodeAll(
                r.samplePairs().stream().map(p -> p[0]).toList(),
                r.samplePairs().stream().map(p -> p[1]).toList()));
        encoded.sort(Comparator.comparingInt(EncodedPair::length));
        for (int i = 0; i < encoded.size(); i += CHECK_BATCH) {
            var padded = tokenizer.pad(encoded.subList(i, Math.min(encoded.size(), i + CHECK_BATCH)));
            batches.add(new ExportCheck.Batch(
                    "sample",
                    padded.inputIds(),
                    padded.attentionMask(),
                    padded.batchSize(),
                    padded.sequenceLength(),
                    null));
        }
        return batches;
    }

    private static String describe(List<ExportCheck.Batch> batches, ReferenceModel reference) {
        boolean fixture = batches.stream().anyMatch(b -> b.expectedLogits() != null);
        boolean model = batches.stream().anyMatch(b -> b.expectedLogits() == null);
        return fixture && model
                ? "the fixture's logits and " + reference.name()
                : fixture ? "the fixture's logits (expected.safetensors)" : reference.name();
    }

    /** As given, else the adapter's base_model_name_or_path, else config.json's _name_or_path, else the directory. */
    private static String baseModel(Request r) throws IOException {
        if (r.baseModel() != null && !r.baseModel().isBlank()) {
            return r.baseModel();
        }
        ObjectMapper json = new ObjectMapper();
        if (r.adapterDir() != null) {
            JsonNode base = json.readTree(
                            r.adapterDir().resolve(PeftAdapter.CONFIG_FILE).toFile())
                    .path("base_model_name_or_path");
            if (base.isTextual() && !base.asText().isBlank() && !base.asText().startsWith(".")) {
                return base.asText();
            }
        }
        JsonNode name =
                json.readTree(r.modelDir().resolve("config.json").toFile()).path("_name_or_path");
        if (name.isTextual() && !name.asText().isBlank()) {
            return name.asText();
        }
        return r.modelDir().toAbsolutePath().normalize().getFileName().toString();
    }

    private static boolean isEmptyDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
