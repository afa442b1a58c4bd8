package io.nlistream.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlistream.trainer.train.Checkpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Why bit-identical runs need one intra-op thread count: the same run in two child JVMs, one with 1 libtorch thread
 * and one with 2, writes different epoch-1 weights (the same count gives identical bytes: ResumeAfterKillTest). A
 * resume under another count than the checkpoint's says so.
 */
class IntraOpThreadsTest {
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
                "1",
                "--batch-size",
                "8",
                "--lr",
                "1e-2",
                "--trainable",
                "all",
                "--no-progress",
                "--no-calibration");
    }

    private static List<String> threads(int n) {
        return List.of("-Dai.djl.pytorch.num_threads=" + n, "-Dai.djl.pytorch.num_interop_threads=1");
    }

    @Test
    void anotherThreadCountGivesOtherBitsAndResumeSaysSo() throws Exception {
        ChildTrainer children = new ChildTrainer(dir);
        Path data = TrainCommandTest.cueTask(dir.resolve("train.tsv"), 24, 5);
        Path one = dir.resolve("one");
        Path two = dir.resolve("two");
        children.run(threads(1), trainArgs(data, one), "one");
        children.run(threads(2), trainArgs(data, two), "two");

        assertThat(Files.readAllBytes(weights(one)))
                .as("epoch-1 weights with 1 and with 2 intra-op threads")
                .isNotEqualTo(Files.readAllBytes(weights(two)));

        List<String> resume = new ArrayList<>(trainArgs(data, one));
        resume.add("--resume");
        String log = children.run(threads(2), resume, "resumed");
        assertThat(log).contains("written with 1 intra-op threads, this process has 2", "num_threads=1");
        String same = children.run(threads(1), resume, "resumed-same");
        assertThat(same).contains("resuming").doesNotContain("intra-op threads");
    }

    private static Path weights(Path run) {
        return Checkpoints.epochDir(run, 1).resolve(Checkpoints.WEIGHTS);
    }
}
