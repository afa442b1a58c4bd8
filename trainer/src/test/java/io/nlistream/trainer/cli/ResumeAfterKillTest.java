package io.nlistream.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlistream.trainer.checkpoint.Safetensors;
import io.nlistream.trainer.eval.MetricsJson;
import io.nlistream.trainer.eval.RunMetrics;
import io.nlistream.trainer.train.Checkpoints;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} in a child JVM killed with SIGKILL during epoch 2 (as soon as epoch 1's checkpoint is on disk), then
 * {@code train --resume} in a fresh JVM: every epoch's weights are byte-identical to an uninterrupted run's and the
 * metrics equal. {@code -Dresume.repeats=20} repeats the kill and resume against the same uninterrupted run
 * (docs/training.md, Reproducibility).
 */
class ResumeAfterKillTest {
    @TempDir
    Path dir;

    private ChildTrainer children;

    private List<String> trainArgs(Path data, Path run) {
        return List.of(
                "train",
                "--model",
                TrainCommandTest.fixture("deberta-tiny-a").toString(),
                "--train",
                data.toString(),
                "--eval",
                data.toString(),
                "--output",
                run.toString(),
                "--epochs",
                "3",
                "--batch-size",
                "8",
                "--lr",
                "1e-2",
                "--patience",
                "0",
                "--trainable",
                "all",
                "--no-progress");
    }

    @Test
    void killedRunResumesToTheUninterruptedResult() throws Exception {
        children = new ChildTrainer(dir);
        Path data = TrainCommandTest.cueTask(dir.resolve("train.tsv"), 24, 5);
        Path full = dir.resolve("full");
        children.run(ChildTrainer.SINGLE_THREADED, trainArgs(data, full), "full");

        int repeats = Integer.getInteger("resume.repeats", 1);
        for (int i = 0; i < repeats; i++) {
            killAndResume(data, full, dir.resolve("killed-" + i));
        }
    }

    private void killAndResume(Path data, Path full, Path killed) throws Exception {
        Process child = children.start(ChildTrainer.SINGLE_THREADED, trainArgs(data, killed), "killed");
        Path firstCheckpoint = Checkpoints.epochDir(killed, 1).resolve(Checkpoints.STATE);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!Files.exists(firstCheckpoint) && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(child.isAlive())
                .as("the child is still training when killed; log: %s", Files.readString(children.log("killed")))
                .isTrue();
        child.destroyForcibly().waitFor(); // SIGKILL on Linux: no shutdown hooks, like an OOM kill
        assertThat(killed.resolve(RunMetrics.FILE)).doesNotExist();

        String resumed = children.run(ChildTrainer.SINGLE_THREADED, withResume(trainArgs(data, killed)), "resumed");
        assertThat(resumed).contains("resuming");

        for (int epoch = 1; epoch <= 3; epoch++) {
            Path a = weights(full, epoch);
            Path b = weights(killed, epoch);
            if (!Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b))) {
                throw new AssertionError(String.format(
                        "epoch %d weights differ: %s%n--- uninterrupted run%n%s%n--- killed run%n%s"
                                + "%n--- resumed run%n%s",
                        epoch,
                        differences(a, b),
                        Files.readString(children.log("full")),
                        Files.readString(children.log("killed")),
                        resumed));
            }
        }
        RunMetrics a = MetricsJson.readRun(full);
        RunMetrics b = MetricsJson.readRun(killed);
        assertThat(b.finalEval().confusion()).isDeepEqualTo(a.finalEval().confusion());
        assertThat(b.finalEval().loss()).isEqualTo(a.finalEval().loss());
        assertThat(b.epochs())
                .extracting(e -> e.trainLoss())
                .containsExactlyElementsOf(
                        a.epochs().stream().map(e -> e.trainLoss()).toList());
        assertThat(b.bestEpoch()).isEqualTo(a.bestEpoch());
    }

    private static List<String> withResume(List<String> args) {
        List<String> out = new ArrayList<>(args);
        out.add("--resume");
        return out;
    }

    private static Path weights(Path run, int epoch) {
        return Checkpoints.epochDir(run, epoch).resolve(Checkpoints.WEIGHTS);
    }

    /** Which F32 tensors of two safetensors files differ, how many elements and by how much at most. */
    private static String differences(Path a, Path b) throws IOException {
        Map<String, Safetensors.TensorInfo> ha = Safetensors.header(a);
        if (!ha.keySet().equals(Safetensors.header(b).keySet())) {
            return "different tensor names: " + ha.keySet() + " vs "
                    + Safetensors.header(b).keySet();
        }
        ByteBuffer da = data(a);
        ByteBuffer db = data(b);
        StringBuilder out = new StringBuilder();
        ha.forEach((name, t) -> {
            int differing = 0;
            double maxDelta = 0;
            for (long i = t.begin(); i < t.end(); i += 4) {
                float x = da.getFloat((int) i);
                float y = db.getFloat((int) i);
                if (Float.floatToRawIntBits(x) != Float.floatToRawIntBits(y)) {
                    differing++;
                    maxDelta = Math.max(maxDelta, Math.abs(x - y));
                }
            }
            if (differing > 0) {
                out.append(String.format(
                        "%n  %s: %d of %d differ, max |delta| %.3g",
                        name, differing, (t.end() - t.begin()) / 4, maxDelta));
            }
        });
        return out.length() == 0 ? "only in their headers" : out.toString();
    }

    /** The data section of a safetensors file (after the 8-byte header length and the JSON header). */
    private static ByteBuffer data(Path file) throws IOException {
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int start = Math.toIntExact(8 + all.getLong(0));
        return all.position(start).slice().order(ByteOrder.LITTLE_ENDIAN);
    }
}
