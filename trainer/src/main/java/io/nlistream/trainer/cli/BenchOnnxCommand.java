package io.nlistream.trainer.cli;

import io.nlistream.schemas.Labels;
import io.nlistream.tokenizer.EncodedPair;
import io.nlistream.tokenizer.PaddedBatch;
import io.nlistream.tokenizer.PairTokenizer;
import io.nlistream.trainer.bench.CpuPeak;
import io.nlistream.trainer.bench.EncoderFlops;
import io.nlistream.trainer.checkpoint.DebertaV2Config;
import io.nlistream.trainer.data.NliExample;
import io.nlistream.trainer.data.NliReader;
import io.nlistream.trainer.onnx.OnnxExporter;
import io.nlistream.trainer.onnx.OrtModel;
import io.nlistream.trainer.onnx.Precision;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench onnx}: ONNX Runtime CPU throughput of a camemberta-base-shaped export (random weights) on real pairs:
 * fp32 vs int8, dynamic padding of length-sorted batches vs padding to max length, batch 1 vs 32. Prints a Markdown
 * table of pairs/s and achieved GFLOP/s against the CPU's estimated fp32 peak.
 */
@Command(
        name = "onnx",
        mixinStandardHelpOptions = true,
        description = "ONNX Runtime CPU benchmark of a camemberta-base-shaped export (random weights): fp32 vs int8,"
                + " dynamic vs fixed padding, batch sizes; pairs/s and GFLOP/s against the CPU's peak.")
public final class BenchOnnxCommand implements Callable<Integer> {
    @Option(
            names = "--data",
            defaultValue = "${env:NLI_SHARED_DIR:-../shared}/data/xnli-fr/xnli.dev.fr.tsv",
            description = "NLI pairs to run (default: XNLI-fr dev, ${DEFAULT-VALUE})")
    Path data;

    @Option(
            names = "--tokenizer",
            defaultValue = "${env:NLI_SHARED_DIR:-../shared}/data/camemberta-base",
            description = "tokenizer directory (default: ${DEFAULT-VALUE})")
    Path tokenizerDir;

    @Option(
            names = "--pairs",
            defaultValue = "64",
            description = "pairs taken evenly across --data; every configuration"
                    + " runs all of them once after one warm-up batch (default: ${DEFAULT-VALUE})")
    int pairs;

    @Option(
            names = "--max-length",
            defaultValue = "128",
            description = "truncation and fixed-padding length (default: ${DEFAULT-VALUE})")
    int maxLength;

    @Option(names = "--batch-sizes", split = ",", defaultValue = "1,32", description = "(default: ${DEFAULT-VALUE})")
    List<Integer> batchSizes;

    @Option(
            names = "--precisions",
            split = ",",
            defaultValue = "FP32,INT8",
            description = "FP32, FP16, INT8 (default: ${DEFAULT-VALUE})")
    List<Precision> precisions;

    @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads (default: all cores)")
    int threads;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(data) || !Files.isDirectory(tokenizerDir)) {
            System.err.println("error: needs --data (found: " + Files.isRegularFile(data) + ", " + data
                    + ") and --tokenizer (" + Files.isDirectory(tokenizerDir) + ", " + tokenizerDir
                    + "); set NLI_SHARED_DIR or pass them");
            return 2;
        }
        int cores = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        CpuPeak peak = CpuPeak.detect(cores);
        List<EncodedPair> encoded;
        try (PairTokenizer tokenizer = PairTokenizer.load(tokenizerDir, maxLength)) {
            List<NliExample> all = NliReader.read(data).examples();
            int step = Math.max(1, all.size() / Math.max(1, pairs));
            List<NliExample> examples = java.util.stream.IntStream.range(0, Math.min(pairs, all.size()))
                    .mapToObj(i -> all.get(i * step))
                    .toList();
            encoded = tokenizer.encodeAll(
                    examples.stream().map(NliExample::premise).toList(),
                    examples.stream().map(NliExample::hypothesis).toList());
            DebertaV2Config config = DebertaV2Config.camembertaBase(Labels.CONTRACT);
            System.out.printf(
                    "model: camemberta-base shape (random weights): hidden %d, %d layers, %d heads, vocab %d%n",
                    config.hiddenSize(), config.numHiddenLayers(), config.numAttentionHeads(), config.vocabSize());
            System.out.printf(
                    "data: %d pairs of %s, mean length %.1f tokens (max %d)%n",
                    encoded.size(),
                    data,
                    encoded.stream().mapToInt(EncodedPair::length).average().orElse(0),
                    maxLength);
            System.out.println("peak: " + peak);
            System.out.println();
            System.out.println(
                    "| precision | padding | batch | pairs | pairs/s | ms/batch | tokens/batch (padded) | GFLOP/s | % "
                            + "of fp32 peak |");
            System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|");
            Path dir = Files.createTempDirectory("nli-bench-onnx");
            try (OnnxExporter exporter = OnnxExporter.random(config)) {
                for (Precision p : precisions) {
                    Path file = dir.resolve(p.fileName());
                    try (OutputStream os = Files.newOutputStream(file)) {
                        exporter.export(p).writeTo(os);
                    }
                    try (OrtModel model = OrtModel.load(file, threads)) {
                        for (int batch : batchSizes) {
                            for (boolean dynamic : new boolean[] {true, false}) {
                                List<PaddedBatch> batches = batches(tokenizer, encoded, batch, dynamic);
                                row(config, peak, p, dynamic, batch, model, batches);
                            }
                        }
                    }
                    Files.delete(file);
                }
            } finally {
                Files.deleteIfExists(dir);
            }
        }
        return 0;
    }

    private List<PaddedBatch> batches(PairTokenizer tokenizer, List<EncodedPair> encoded, int size, boolean dynamic) {
        List<EncodedPair> order = new ArrayList<>(encoded);
        if (dynamic) {
            order.sort(Comparator.comparingInt(EncodedPair::length));
        }
        List<PaddedBatch> out = new ArrayList<>();
        for (int i = 0; i < order.size(); i += size) {
            List<EncodedPair> chunk = order.subList(i, Math.min(order.size(), i + size));
            out.add(dynamic ? tokenizer.pad(chunk) : tokenizer.pad(chunk, maxLength));
        }
        return out;
    }

    private void row(
            DebertaV2Config config,
            CpuPeak peak,
            Precision p,
            boolean dynamic,
            int batchSize,
            OrtModel model,
            List<PaddedBatch> batches) {
        PaddedBatch warm = batches.get(0);
        model.run(warm.inputIds(), warm.attentionMask(), warm.batchSize(), warm.sequenceLength());
        long start = System.nanoTime();
        long rows = 0;
        long tokens = 0;
        double flops = 0;
        int n = 0;
        for (PaddedBatch b : batches) {
            model.run(b.inputIds(), b.attentionMask(), b.batchSize(), b.sequenceLength());
            rows += b.batchSize();
            tokens += (long) b.batchSize() * b.sequenceLength();
            flops += EncoderFlops.batch(config, b.batchSize(), b.sequenceLength());
            n++;
        }
        double s = (System.nanoTime() - start) / 1e9;
        double gflops = flops / s / 1e9;
        System.out.printf(
                Locale.ROOT,
                "| %s | %s | %d | %d | %.1f | %.1f | %.0f | %.1f | %.1f %% |%n",
                p.id(),
                dynamic ? "dynamic, length-sorted" : "fixed " + maxLength,
                batchSize,
                rows,
                rows / s,
                1000 * s / n,
                (double) tokens / n,
                gflops,
                peak.gflops() > 0 ? 100 * gflops / peak.gflops() : Double.NaN);
    }
}
