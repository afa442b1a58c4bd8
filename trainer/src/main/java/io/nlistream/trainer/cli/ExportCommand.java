package io.nlistream.trainer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.bundle.BundleManifest;
import io.nlistream.trainer.bundle.BundleWriter;
import io.nlistream.trainer.bundle.ExportCheckFailed;
import io.nlistream.trainer.bundle.SamplePairs;
import io.nlistream.trainer.checkpoint.CheckpointException;
import io.nlistream.trainer.onnx.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code export}: merge, export to ONNX, self-check in ONNX Runtime and write a verified bundle. */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "Export a Hugging Face checkpoint (and optionally a LoRA adapter merged into it) as a model bundle"
                    + " the streamer serves: model.onnx (+ fp16/int8 variants), tokenizer files, nli-bundle.json.",
            "The fp32 export is checked in ONNX Runtime before anything is written; over 1e-4 (max abs logit diff)"
                    + " the command exits 1. Exit 2: bad input."
        })
public final class ExportCommand implements Callable<Integer> {
    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR|HUB_ID",
            description = "checkpoint directory (config.json, model.safetensors or pytorch_model.bin, tokenizer.json"
                    + " + tokenizer_config.json) or a Hugging Face Hub id")
    String model;

    @Option(
            names = "--adapter",
            paramLabel = "DIR",
            description =
                    "PEFT LoRA adapter to merge (adapter_config.json + adapter_model.safetensors); copied to adapter/")
    Path adapter;

    @Option(names = "--out", required = true, paramLabel = "BUNDLE_DIR", description = "bundle directory to write")
    Path out;

    @Option(names = "--name", description = "bundle name (default: the model directory's name)")
    String name;

    @Option(names = "--version", defaultValue = "1", description = "bundle version (default: ${DEFAULT-VALUE})")
    String version;

    @Option(
            names = "--base-model",
            description = "Hub id or path recorded as the base model (default: from the adapter or config.json)")
    String baseModel;

    @Option(
            names = "--max-length",
            defaultValue = "128",
            description = "tokens per pair, longest_first truncation (default: ${DEFAULT-VALUE})")
    int maxLength;

    @Option(names = "--fp16", description = "also write model.fp16.onnx (GPU)")
    boolean fp16;

    @Option(names = "--int8", description = "also write model.int8.onnx (CPU, dynamic int8 quantisation)")
    boolean int8;

    @Option(
            names = "--sample",
            paramLabel = "FILE",
            description = "NLI pairs (TSV/CSV/JSONL) the export is checked on"
                    + " (default: data/samples/eval.tsv when present, else built-in French pairs)")
    Path sample;

    @Option(
            names = "--sample-size",
            defaultValue = "64",
            description = "pairs taken from --sample (default: ${DEFAULT-VALUE})")
    int sampleSize;

    @Option(names = "--training", paramLabel = "FILE.json", description = "training recipe to record in the manifest")
    Path training;

    @Option(
            names = "--metrics",
            paramLabel = "FILE.json",
            description = "evaluation metrics to record (default: report/metrics.json when --report has one)")
    Path metrics;

    @Option(names = "--report", paramLabel = "DIR", description = "evaluation report directory, copied to report/")
    Path report;

    @Option(names = "--force", description = "replace --out if it exists")
    boolean force;

    @Override
    public Integer call() throws IOException {
        try {
            EnumSet<Precision> variants = EnumSet.noneOf(Precision.class);
            if (fp16) {
                variants.add(Precision.FP16);
            }
            if (int8) {
                variants.add(Precision.INT8);
            }
            List<String[]> pairs = SamplePairs.load(sample, sampleSize);
            Path metricsFile = metrics != null
                    ? metrics
                    : report != null && Files.isRegularFile(report.resolve("metrics.json"))
                            ? report.resolve("metrics.json")
                            : null;
            Path modelDir = new HubModelConverter().convert(model);
            String base = baseModel != null ? baseModel : Files.isDirectory(Path.of(model)) ? null : model;
            BundleWriter.Request request = new BundleWriter.Request(
                    modelDir,
                    adapter,
                    out,
                    name != null ? name : defaultName(base != null ? Path.of(base) : modelDir),
                    version,
                    base,
                    maxLength,
                    variants,
                    pairs,
                    null,
                    object(training),
                    object(metricsFile),
                    report,
                    force,
                    null);
            BundleManifest m = new BundleWriter(System.err).write(request);
            System.out.printf(
                    "%s %s (%s, labels %s, pad id %d): %s%n",
                    m.name(),
                    m.version(),
                    m.architecture(),
                    m.labels(),
                    m.padId(),
                    out.toAbsolutePath().normalize());
            return 0;
        } catch (ExportCheckFailed e) {
            System.err.println("export check failed: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException | CheckpointException | picocli.CommandLine.TypeConversionException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
    }

    static String defaultName(Path model) {
        String n = model.toAbsolutePath().normalize().getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "-");
        return n.length() > 128 ? n.substring(0, 128) : n;
    }

    private static ObjectNode object(Path file) throws IOException {
        if (file == null) {
            return null;
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + " does not exist");
        }
        JsonNode n = Json.mapper().readTree(file.toFile());
        if (!n.isObject()) {
            throw new IllegalArgumentException(file + " must hold a JSON object");
        }
        return (ObjectNode) n;
    }
}
