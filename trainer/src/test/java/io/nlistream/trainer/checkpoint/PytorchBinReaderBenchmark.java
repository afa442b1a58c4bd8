package io.nlistream.trainer.checkpoint;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.nlistream.trainer.checkpoint.TorchSaveWriter.TensorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a camembert-base-shaped pytorch_model.bin (110 M float32 parameters, ~443 MB, written by
 * {@link TorchSaveWriter}) and prints the time and throughput of {@link PytorchBinReader#read}. A harness, not a test:
 * <pre>
 * ./mvnw -B -q -pl trainer -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp trainer/target/test-classes:trainer/target/classes:$(cat trainer/target/cp.txt) \
 *     io.nlistream.trainer.checkpoint.PytorchBinReaderBenchmark [layers]
 * </pre>
 */
public final class PytorchBinReaderBenchmark {
    private PytorchBinReaderBenchmark() {}

    public static void main(String[] args) throws Exception {
        int layers = args.length > 0 ? Integer.parseInt(args[0]) : 12;
        Path dir = Files.createTempDirectory("bin-bench");
        Path file = dir.resolve("pytorch_model.bin");
        List<TensorSpec> tensors = new ArrayList<>();
        int[] key = {0};
        add(tensors, key, "roberta.embeddings.word_embeddings.weight", 32005, 768);
        add(tensors, key, "roberta.embeddings.position_embeddings.weight", 514, 768);
        for (int l = 0; l < layers; l++) {
            String p = "roberta.encoder.layer." + l + ".";
            for (String m : List.of(
                    "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense")) {
                add(tensors, key, p + m + ".weight", 768, 768);
                add(tensors, key, p + m + ".bias", 768);
            }
            add(tensors, key, p + "intermediate.dense.weight", 3072, 768);
            add(tensors, key, p + "intermediate.dense.bias", 3072);
            add(tensors, key, p + "output.dense.weight", 768, 3072);
            add(tensors, key, p + "output.dense.bias", 768);
        }
        TorchSaveWriter.writeZip(file, "archive", tensors);
        tensors.clear();
        long bytes = Files.size(file);
        System.out.printf("file: %s, %.1f MB, %d layers%n", file, bytes / 1e6, layers);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int run = 1; run <= 3; run++) {
                try (NDManager scope = manager.newSubManager()) {
                    long start = System.nanoTime();
                    NDList list = PytorchBinReader.read(file, scope);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    System.out.printf(
                            "run %d: %d tensors in %.2f s, %.0f MB/s%n",
                            run, list.size(), seconds, bytes / 1e6 / seconds);
                }
            }
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    private static void add(List<TensorSpec> tensors, int[] key, String name, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] values = new float[(int) n];
        for (int i = 0; i < values.length; i++) {
            values[i] = (i % 1000) * 1e-3f;
        }
        tensors.add(
                TorchSaveWriter.contiguous(name, TorchSaveWriter.floats(Integer.toString(key[0]++), values), shape));
    }
}
