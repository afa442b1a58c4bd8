package io.nlistream.trainer.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlistream.tokenizer.EncodedPair;
import io.nlistream.tokenizer.PaddedBatch;
import io.nlistream.tokenizer.PairTokenizer;
import io.nlistream.trainer.checkpoint.DebertaV2Config;
import io.nlistream.trainer.model.PretrainedModels;
import io.nlistream.trainer.model.Seeds;
import io.nlistream.trainer.model.SequenceClassifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Eval-mode forward pass of a camemberta-base-shaped DeBERTa-v2 (random weights) on real pair lengths: the same sampled
 * batches run with dynamic padding (longest pair of the batch) and padded to the max length.
 */
@Command(
        name = "forward",
        mixinStandardHelpOptions = true,
        description = {
            "Forward-pass speed of a camemberta-base-shaped DeBERTa-v2 (768 hidden, 12 layers, 12 heads,"
                    + " 32008 vocabulary, random weights) on the current DJL engine device: dynamic padding vs padding "
                    + "to"
                    + " --max-length, on batches sampled from real pairs tokenized with the camemberta-base tokenizer."
        })
public final class BenchForwardCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(
            names = "--pairs",
            paramLabel = "FILE",
            description = "TSV of pairs (default: <shared>/data/xnli-fr/xnli.dev.fr.tsv).")
    Path pairs;

    @Option(
            names = "--tokenizer",
            paramLabel = "DIR",
            description = "Tokenizer directory (default: <shared>/data/camemberta-base).")
    Path tokenizer;

    @Option(
            names = "--shared-dir",
            paramLabel = "DIR",
            description = "Reference data directory (default: -Dnli.shared.dir, $NLI_SHARED_DIR or ../shared).")
    Path sharedDir;

    @Option(names = "--batch-size", defaultValue = "32", description = "Pairs per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = "--batches",
            defaultValue = "3",
            description = "Timed batches per mode (default: ${DEFAULT-VALUE}).")
    int batches;

    @Option(
            names = "--warmup",
            defaultValue = "1",
            description = "Untimed batches per mode (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--max-length", defaultValue = "128", description = "Truncation and fixed padding length.")
    int maxLength;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the batch sample and the weights.")
    long seed;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path shared = sharedDir != null ? sharedDir : defaultShared();
        Path pairFile = pairs != null ? pairs : shared.resolve("data/xnli-fr/xnli.dev.fr.tsv");
        Path tokDir = tokenizer != null ? tokenizer : shared.resolve("data/camemberta-base");
        if (!Files.isRegularFile(pairFile) || !Files.isRegularFile(tokDir.resolve("tokenizer.json"))) {
            err.println("error: need " + pairFile + " and " + tokDir.resolve("tokenizer.json")
                    + ": pass --pairs/--tokenizer, or --shared-dir pointing at the reference data");
            return 2;
        }
        if (batchSize < 1 || batches < 1 || warmup < 0) {
            err.println("error: --batch-size and --batches must be at least 1, --warmup at least 0");
            return 2;
        }
        List<PairFile.Pair> all;
        try (var reader = Files.newBufferedReader(pairFile, StandardCharsets.UTF_8)) {
            all = new ArrayList<>(PairFile.read(reader, pairFile.toString()).pairs());
        }
        Collections.shuffle(all, new Random(seed));
        int needed = (warmup + batches) * batchSize;
        if (all.size() < needed) {
            err.println("error: " + pairFile + " has " + all.size() + " pairs; " + needed + " are needed");
            return 2;
        }
        List<PairFile.Pair> sample = all.subList(0, needed);

        ObjectNode result = JSON.createObjectNode();
        try (PairTokenizer tok = PairTokenizer.load(tokDir, maxLength);
                NDManager manager = NDManager.newBaseManager()) {
            List<EncodedPair> encoded = tok.encodeAll(
                    sample.stream().map(PairFile.Pair::premise).toList(),
                    sample.stream().map(PairFile.Pair::hypothesis).toList());
            Seeds.set((int) seed);
            DebertaV2Config config = DebertaV2Config.camembertaBase(List.of("entailment", "neutral", "contradiction"));
            SequenceClassifier model = PretrainedModels.randomlyInitialized(config, manager);
            result.put(
                    "model",
                    "camemberta-base shape (DeBERTa-v2, 768 hidden, 12 layers, 12 heads, 32008 vocab), random");
            result.put("device", manager.getDevice().toString());
            result.put(
                    "engine",
                    Engine.getInstance().getEngineName() + " "
                            + Engine.getInstance().getVersion());
            result.put("cpus", Runtime.getRuntime().availableProcessors());
            result.put("pairs_file", pairFile.toString());
            result.put("batch_size", batchSize);
            result.put("timed_batches", batches);
            ArrayNode modes = result.putArray("modes");
            out.printf(
                    Locale.ROOT,
                    "%-14s %10s %12s %10s %14s%n",
                    "padding",
                    "seq len",
                    "ms/batch",
                    "pairs/s",
                    "real tokens %");
            for (boolean dynamic : new boolean[] {true, false}) {
                double totalMs = 0;
                long paddedTokens = 0;
                long realTokens = 0;
                for (int b = 0; b < warmup + batches; b++) {
                    PaddedBatch batch =
                            tok.pad(encoded.subList(b * batchSize, (b + 1) * batchSize), dynamic ? 0 : maxLength);
                    double ms = time(model, manager, batch);
                    if (b >= warmup) {
                        totalMs += ms;
                        paddedTokens += batch.paddedTokens();
                        realTokens += batch.realTokens();
                    }
                }
                double msPerBatch = totalMs / batches;
                double pairsPerSecond = batchSize * 1000.0 / msPerBatch;
                double meanLength = paddedTokens / (double) (batches * batchSize);
                String name = dynamic ? "dynamic" : "fixed-" + maxLength;
                out.printf(
                        Locale.ROOT,
                        "%-14s %10.1f %12.1f %10.2f %14.1f%n",
                        name,
                        meanLength,
                        msPerBatch,
                        pairsPerSecond,
                        100.0 * realTokens / paddedTokens);
                ObjectNode m = modes.addObject();
                m.put("padding", name);
                m.put("mean_padded_length", meanLength);
                m.put("ms_per_batch", msPerBatch);
                m.put("pairs_per_second", pairsPerSecond);
                m.put("real_token_fraction", realTokens / (double) paddedTokens);
                out.flush();
            }
        }
        out.println(result.toString());
        out.flush();
        return 0;
    }

    private static double time(SequenceClassifier model, NDManager manager, PaddedBatch batch) {
        try (NDManager scope = manager.newSubManager()) {
            Shape shape = new Shape(batch.shape());
            NDArray ids = scope.create(batch.inputIds(), shape);
            NDArray mask = scope.create(batch.attentionMask(), shape);
            long start = System.nanoTime();
            // toFloatArray forces the computation to finish before the clock stops
            model.classify(new ParameterStore(scope, false), ids, mask, false, false)
                    .logits()
                    .toFloatArray();
            return (System.nanoTime() - start) / 1e6;
        }
    }

    static Path defaultShared() {
        String prop = System.getProperty("nli.shared.dir");
        if (prop != null) {
            return Path.of(prop);
        }
        String env = System.getenv("NLI_SHARED_DIR");
        return Path.of(env != null ? env : "../shared");
    }
}
