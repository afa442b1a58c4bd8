package io.nlistream.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.nlistream.trainer.checkpoint.LibtorchStorage;
import io.nlistream.trainer.eval.MetricsJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Per-epoch checkpoints under {@code <run>/checkpoints/epoch-NNN/}: the trainable weights, the AdamW moments (both
 * safetensors) and {@code state.json}. A checkpoint is written into a temporary directory and renamed into place, so a
 * kill at any moment leaves either the complete new checkpoint or none.
 */
public final class Checkpoints {
    public static final String DIR = "checkpoints";
    public static final String WEIGHTS = "trainable.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String STATE = "state.json";

    private Checkpoints() {}

    public static Path epochDir(Path run, int epoch) {
        return run.resolve(DIR).resolve(String.format("epoch-%03d", epoch));
    }

    public static void save(Path run, CheckpointState state, Map<String, NDArray> params, AdamW optimizer) {
        Path target = epochDir(run, state.epoch());
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            deleteRecursively(tmp);
            Files.createDirectories(tmp);
            NDList weights = new NDList();
            params.forEach((name, a) -> {
                NDArray copy = a.duplicate();
                copy.setName(name);
                weights.add(copy);
            });
            write(tmp.resolve(WEIGHTS), weights);
            write(tmp.resolve(OPTIMIZER), optimizer.state());
            MetricsJson.write(tmp.resolve(STATE), state);
            deleteRecursively(target);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + target, e);
        }
    }

    /** The last complete checkpoint of a run directory, if any. */
    public static Optional<Path> latest(Path run) {
        Path dir = run.resolve(DIR);
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("epoch-\\d{3,}"))
                    .filter(p -> Files.isRegularFile(p.resolve(STATE)))
                    .max(Comparator.comparing(
                            p -> Integer.parseInt(p.getFileName().toString().substring(6))));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    public static CheckpointState readState(Path checkpoint) {
        try {
            return MetricsJson.mapper().readValue(checkpoint.resolve(STATE).toFile(), CheckpointState.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + checkpoint.resolve(STATE) + ": " + e.getMessage(), e);
        }
    }

    private static final NDIndex ALL = new NDIndex("...");

    /** Copies a checkpoint's weights into the model's trainable arrays, in place (gradients stay attached). */
    public static void loadWeights(Path checkpoint, Map<String, NDArray> params) {
        try (NDManager tmp = NDManager.newBaseManager()) {
            NDList saved = read(checkpoint.resolve(WEIGHTS), tmp);
            if (saved.size() != params.size()) {
                throw new IllegalArgumentException(checkpoint + " holds " + saved.size() + " trainable tensors, the"
                        + " model has " + params.size() + ": it was written for another model or LoRA setting");
            }
            for (NDArray a : saved) {
                NDArray p = params.get(a.getName());
                if (p == null || !p.getShape().equals(a.getShape())) {
                    throw new IllegalArgumentException(checkpoint + ": tensor " + a.getName() + " " + a.getShape()
                            + " does not match the model" + (p == null ? "" : " (" + p.getShape() + ")"));
                }
                // A tensor op copies in place (p keeps its gradient): NDArray.set(Buffer) would run DJL's native set,
                // which uses PyTorch's deprecated AutoNonVariableTypeMode and prints a warning to the CLI's output.
                p.set(ALL, a);
            }
        }
    }

    public static NDList readOptimizer(Path checkpoint, NDManager manager) {
        return read(checkpoint.resolve(OPTIMIZER), manager);
    }

    private static void write(Path file, NDList list) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            list.encode(out, NDList.Encoding.SAFETENSORS);
        } finally {
            list.close();
        }
    }

    private static NDList read(Path file, NDManager manager) {
        try (InputStream in = Files.newInputStream(file)) {
            NDList decoded = NDList.decode(manager, in);
            NDList out = new NDList(decoded.size());
            decoded.forEach(a -> out.add(LibtorchStorage.adopt(a)));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
