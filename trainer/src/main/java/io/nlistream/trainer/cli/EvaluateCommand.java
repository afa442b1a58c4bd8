package io.nlistream.trainer.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.nlistream.schemas.Labels;
import io.nlistream.tokenizer.PairTokenizer;
import io.nlistream.trainer.bundle.LabelMapping;
import io.nlistream.trainer.data.EncodedSet;
import io.nlistream.trainer.data.NliDataset;
import io.nlistream.trainer.data.NliExample;
import io.nlistream.trainer.data.NliReader;
import io.nlistream.trainer.engine.Float32Matmul;
import io.nlistream.trainer.eval.ClassificationMetrics;
import io.nlistream.trainer.eval.MetricsJson;
import io.nlistream.trainer.eval.RunMetrics;
import io.nlistream.trainer.eval.RunReport;
import io.nlistream.trainer.model.AdapterModel;
import io.nlistream.trainer.model.LoadedModel;
import io.nlistream.trainer.model.Precision;
import io.nlistream.trainer.train.EncoderTrainable;
import io.nlistream.trainer.train.Evaluator;
import io.nlistream.trainer.train.TrainableClassifier;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code evaluate}: a classifier checkpoint on any labelled file; metrics, reports (Markdown and self-contained HTML),
 * plots and per-pair predictions.
 */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Evaluate an NLI checkpoint (config.json id2label mapped onto entailment/neutral/contradiction) on"
                        + " a labelled file: metrics.json, report.md, a self-contained report.html, plots/ and"
                        + " predictions.jsonl in --output.")
public final class EvaluateCommand implements Callable<Integer> {
    static final String PREDICTIONS = "predictions.jsonl";

    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR|HUB_ID",
            converter = HubModelConverter.class,
            description = "Checkpoint directory with an NLI head, or a Hugging Face repo id such as"
                    + " almanach/camembertav2-base-xnli.")
    Path model;

    @Option(
            names = "--adapter",
            paramLabel = "DIR",
            description = "PEFT LoRA adapter to put on --model (a train run's adapter/ directory), no export needed.")
    Path adapter;

    @Option(
            names = "--tokenizer",
            paramLabel = "DIR|HUB_ID",
            converter = HubModelConverter.class,
            description = "Directory (or Hub id) with tokenizer.json (default: --model).")
    Path tokenizer;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Labelled pairs.")
    Path dataFile;

    @Option(
            names = "--output",
            paramLabel = "DIR",
            defaultValue = "runs/evaluation",
            description = "Where to write the results (default: ${DEFAULT-VALUE}).")
    Path output;

    @Option(
            names = "--name",
            paramLabel = "NAME",
            description = "Name in the report (default: the model directory's name).")
    String name;

    @Option(
            names = "--max-length",
            defaultValue = "128",
            description = "Max tokens per pair (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--batch-size", defaultValue = "64", description = "Pairs per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Mixin
    DataOptions data;

    @Override
    public Integer call() throws IOException {
        if (!Files.isDirectory(model)) {
            System.err.println("evaluate: model directory not found: " + model);
            return 2;
        }
        try {
            return evaluate();
        } catch (IllegalArgumentException e) {
            System.err.println("evaluate: " + e.getMessage());
            return 2;
        }
    }

    private int evaluate() throws IOException {
        NliDataset dataset = NliReader.read(dataFile, data.toReadOptions());
        System.out.printf(
                "%s: %d pairs%n%s",
                dataFile, dataset.size(), dataset.labelDistribution().format());
        try (NDManager manager = NDManager.newBaseManager();
                PairTokenizer pairs = PairTokenizer.load(tokenizer != null ? tokenizer : model, maxLength);
                Float32Matmul.Applied kernels =
                        Float32Matmul.apply(DeviceChoice.matmul(Precision.FP32, manager.getDevice()), manager)) {
            System.err.println("float32 products: " + kernels.description());
            LoadedModel loaded = AdapterModel.load(model, adapter, manager);
            List<String> modelLabels = LabelMapping.toContract(loaded.config().labels(), model.toString());
            int[] toModelColumn =
                    Labels.CONTRACT.stream().mapToInt(modelLabels::indexOf).toArray();
            EncoderTrainable frozen = EncoderTrainable.frozen(loaded.model(), manager);
            TrainableClassifier contractOrder = new TrainableClassifier() {
                @Override
                public NDArray logits(NDArray ids, NDArray mask, boolean training) {
                    NDArray logits = frozen.logits(ids, mask, training);
                    NDList columns = new NDList();
                    for (int c : toModelColumn) {
                        columns.add(logits.get(":, " + c));
                    }
                    return NDArrays.stack(columns, 1);
                }

                @Override
                public Map<String, NDArray> trainableParameters() {
                    return Map.of();
                }

                @Override
                public long parameterCount() {
                    return frozen.parameterCount();
                }
            };
            EncodedSet set = EncodedSet.encode(dataset, pairs);
            Evaluator.Result result =
                    Evaluator.evaluate(contractOrder, manager, set, pairs::pad, batchSize, Labels.CONTRACT);
            ClassificationMetrics m = result.metrics();
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("model", model.toString());
            if (adapter != null) {
                settings.put("adapter", adapter.toString());
            }
            settings.put("data", dataFile.toString());
            settings.put("max-length", maxLength);
            settings.put("batch-size", batchSize);
            settings.put("truncated pairs", set.truncatedCount());
            settings.put("device", manager.getDevice().toString());
            RunMetrics run = new RunMetrics(
                    name != null ? name : RunNames.of(model),
                    model.toString(),
                    settings,
                    Map.of("data", dataset.labelDistribution().counts()),
                    0,
                    frozen.parameterCount(),
                    List.of(),
                    0,
                    null,
                    m,
                    null);
            RunReport.write(output, run);
            writePredictions(output.resolve(PREDICTIONS), dataset, result);
            System.out.printf(
                    Locale.ROOT,
                    "accuracy %.4f  macro-F1 %.4f  weighted-F1 %.4f  ECE %.4f  loss %.4f%n%s%s",
                    m.accuracy(),
                    m.macroF1(),
                    m.weightedF1(),
                    m.ece(),
                    m.loss(),
                    RunReport.classificationReport(m),
                    RunReport.confusionTable(m));
            System.out.println("wrote " + output.resolve(RunReport.REPORT) + ", " + output.resolve(RunReport.HTML)
                    + ", " + output.resolve(PREDICTIONS));
            return 0;
        }
    }

    private static void writePredictions(Path file, NliDataset dataset, Evaluator.Result result) throws IOException {
        int k = Labels.CONTRACT.size();
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            for (int i = 0; i < dataset.size(); i++) {
                NliExample e = dataset.examples().get(i);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("line", e.line());
                row.put("premise", e.premise());
                row.put("hypothesis", e.hypothesis());
                row.put("gold", Labels.CONTRACT.get(e.label()));
                row.put("predicted", Labels.CONTRACT.get(result.predictions()[i]));
                Map<String, Float> probs = new LinkedHashMap<>();
                for (int j = 0; j < k; j++) {
                    probs.put(Labels.CONTRACT.get(j), result.probabilities()[i * k + j]);
                }
                row.put("probabilities", probs);
                out.write(MetricsJson.mapper()
                        .writer()
                        .without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(row));
                out.newLine();
            }
        }
    }
}
