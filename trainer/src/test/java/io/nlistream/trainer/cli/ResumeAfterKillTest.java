package io.nlistream.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlistream.trainer.eval.MetricsJson;
import io.nlistream.trainer.eval.RunMetrics;
import io.nlistream.trainer.train.Checkpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} in a child JVM killed with SIGKILL during epoch 2 (as soon as epoch 1's checkpoint is on disk), then
 * {@code train --resume} in a fresh JVM: every epoch's weights are byte-identical to an uninterrupted run's and the
 * metrics equal. {@code -Dresume.repeats=20} repeats the kill and resume against the same uninterrupted run (how the
 * flake this test once had was shown gone: unaligned checkpoint buffers, see EncoderTrainable).
 *
 * <p>Tagged {@code resume-soak} and run by its own command (README, docs/training.md), not by {@code verify}: it passed
 * 20 cycles in a row on its own, but two full-suite runs on 2026-12-01 still saw two fresh runs differ at epoch 1, so
 * a nondeterminism source remains (issue 12 stays open).
 */
@Tag("resume-soak")
class ResumeAfterKillTest {
    @TempDir
    Path dir;

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

    /** The trainer in a child JVM, single-threaded so that float summation order cannot vary with machine load. */
    private Process start(List<String> args, String logName) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1",
                "-Dai.djl.pytorch.num_interop_threads=1",
                TrainerCli.class.getName()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        // MKL's conditional numerical reproducibility: STRICT makes sgemm's rounding independent of buffer alignment
        // (libtorch's CPU BLAS is MKL), the other source of run-to-run differences besides the thread count.
        builder.environment().put("MKL_CBWR", "AUTO,STRICT");
        return builder.redirectErrorStream(true)
                .redirectOutput(dir.resolve(logName).toFile())
                .start();
    }

    private String finish(Process p, String logName) throws Exception {
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        String log = Files.readString(dir.resolve(logName));
        assertThat(p.exitValue()).as(log).isZero();
        return log;
    }

    @Test
    void killedRunResumesToTheUninterruptedResult() throws Exception {
        Path data = TrainCommandTest.cueTask(dir.resolve("train.tsv"), 24, 5);
        Path full = dir.resolve("full");
        finish(start(trainArgs(data, full), "full.log"), "full.log");

        int repeats = Integer.getInteger("resume.repeats", 1);
        for (int i = 0; i < repeats; i++) {
            killAndResume(data, full, dir.resolve("killed-" + i));
        }
    }

    private void killAndResume(Path data, Path full, Path killed) throws Exception {
        Process child = start(trainArgs(data, killed), "killed.log");
        Path firstCheckpoint = Checkpoints.epochDir(killed, 1).resolve(Checkpoints.STATE);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!Files.exists(firstCheckpoint) && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(child.isAlive())
                .as("the child is still training when killed; log: %s", Files.readString(dir.resolve("killed.log")))
                .isTrue();
        child.destroyForcibly().waitFor(); // SIGKILL on Linux: no shutdown hooks, like an OOM kill
        assertThat(killed.resolve(RunMetrics.FILE)).doesNotExist();

        String resumed = finish(start(withResume(trainArgs(data, killed)), "resumed.log"), "resumed.log");
        assertThat(resumed).contains("resuming");

        for (int epoch = 1; epoch <= 3; epoch++) {
            assertThat(bytes(killed, epoch)).as("epoch %d weights", epoch).isEqualTo(bytes(full, epoch));
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

    private static byte[] bytes(Path run, int epoch) throws IOException {
        return Files.readAllBytes(Checkpoints.epochDir(run, epoch).resolve(Checkpoints.WEIGHTS));
    }
}
