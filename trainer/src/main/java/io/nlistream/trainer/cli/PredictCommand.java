package io.nlistream.trainer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlistream.trainer.checkpoint.CheckpointException;
import io.nlistream.trainer.model.PairClassifier;
import io.nlistream.trainer.model.PairClassifier.Prediction;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code predict}: classifies pairs with a checkpoint directory and shows a probability bar per label. */
@Command(
        name = "predict",
        mixinStandardHelpOptions = true,
        description = {
            "Classify premise/hypothesis pairs with a model directory (config.json, weights, tokenizer.json).",
            "One pair: --premise and --hypothesis. Many: --pairs FILE.tsv, or a TSV on stdin (--pairs -), with a"
                    + " header naming premise and hypothesis columns."
        })
public final class PredictCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BAR = 40;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR|HUB_ID",
            converter = HubModelConverter.class,
            description = "Model directory, or a Hugging Face repo id (e.g. almanach/camembertav2-base-xnli).")
    Path model;

    @Option(
            names = "--adapter",
            paramLabel = "DIR",
            description = "PEFT LoRA adapter to put on --model (a train run's adapter/ directory), no export needed.")
    Path adapter;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "Tokenizer directory (default: the model's).")
    Path tokenizer;

    @Option(names = "--premise", description = "The premise.")
    String premise;

    @Option(names = "--hypothesis", description = "The hypothesis.")
    String hypothesis;

    @Option(names = "--pairs", paramLabel = "FILE", description = "TSV of pairs; - reads stdin.")
    String pairs;

    @Option(
            names = "--max-length",
            defaultValue = "128",
            description = "Truncation length (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(
            names = "--batch-size",
            defaultValue = "32",
            description = "Pairs per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--json", description = "One JSON object per pair instead of the display.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            List<PairFile.Pair> input = input();
            if (batchSize < 1) {
                throw new IllegalArgumentException("--batch-size must be at least 1");
            }
            try (PairClassifier classifier =
                    PairClassifier.load(model, adapter, tokenizer != null ? tokenizer : model, maxLength)) {
                classifier.model().report().messages().forEach(err::println);
                List<Prediction> predictions = classifier.predict(
                        input.stream().map(PairFile.Pair::premise).toList(),
                        input.stream().map(PairFile.Pair::hypothesis).toList(),
                        batchSize);
                for (int i = 0; i < input.size(); i++) {
                    if (json) {
                        out.println(json(input.get(i), predictions.get(i)));
                    } else {
                        display(out, input.get(i), predictions.get(i));
                    }
                }
            }
            out.flush();
            return 0;
        } catch (CheckpointException | IllegalArgumentException | UncheckedIOException e) {
            err.println("error: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
    }

    private List<PairFile.Pair> input() throws IOException {
        if (premise != null || hypothesis != null) {
            if (premise == null || hypothesis == null || pairs != null) {
                throw new IllegalArgumentException("give both --premise and --hypothesis, or --pairs FILE, not a mix");
            }
            return List.of(new PairFile.Pair("1", premise, hypothesis));
        }
        if (pairs == null) {
            throw new IllegalArgumentException("nothing to classify: give --premise and --hypothesis, or --pairs FILE"
                    + " (--pairs - reads a TSV from stdin)");
        }
        try (Reader r = pairs.equals("-")
                ? new InputStreamReader(System.in, StandardCharsets.UTF_8)
                : Files.newBufferedReader(Path.of(pairs), StandardCharsets.UTF_8)) {
            List<PairFile.Pair> list =
                    PairFile.read(r, pairs.equals("-") ? "stdin" : pairs).pairs();
            if (list.isEmpty()) {
                throw new IllegalArgumentException((pairs.equals("-") ? "stdin" : pairs) + " holds no pairs");
            }
            return list;
        }
    }

    private static String json(PairFile.Pair pair, Prediction p) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", pair.id());
        o.put("premise", pair.premise());
        o.put("hypothesis", pair.hypothesis());
        o.put("label", p.label());
        o.put("confidence", p.confidence());
        ObjectNode probs = o.putObject("probabilities");
        for (int i = 0; i < p.labels().size(); i++) {
            probs.put(p.labels().get(i), p.probabilities()[i]);
        }
        o.put("truncated", p.truncated());
        o.put("inputTokens", p.inputTokens());
        return o.toString();
    }

    /** The seed notebook's view: the pair, the predicted label with its confidence, then a bar per label. */
    private static void display(PrintWriter out, PairFile.Pair pair, Prediction p) {
        out.println("Premise:    " + pair.premise());
        out.println("Hypothesis: " + pair.hypothesis());
        out.printf(
                Locale.ROOT,
                "Prediction: %s (confidence %.1f%%)%s%n",
                p.label(),
                p.confidence() * 100,
                p.truncated() ? " [pair truncated to fit the max length]" : "");
        int width = p.labels().stream().mapToInt(String::length).max().orElse(0);
        for (int i = 0; i < p.labels().size(); i++) {
            float prob = p.probabilities()[i];
            int filled = Math.round(prob * BAR);
            out.printf(
                    Locale.ROOT,
                    "  %-" + width + "s %s%s %5.1f%%%n",
                    p.labels().get(i),
                    "█".repeat(filled),
                    "░".repeat(BAR - filled),
                    prob * 100);
        }
        out.println();
    }
}
