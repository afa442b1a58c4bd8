package io.nlistream.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} as a user runs it (a child JVM, so libtorch's warnings reach its real stderr): the output has the
 * run's lines and no PyTorch C++ warning. Restoring the best epoch at the end used to print "AutoNonVariableTypeMode
 * is deprecated" (issue 15): DJL's native {@code set(Buffer)} runs under that deprecated guard.
 */
class TrainEngineWarningsTest {
    @TempDir
    Path dir;

    @Test
    void trainPrintsNoEngineWarnings() throws Exception {
        Path data = TrainCommandTest.cueTask(dir.resolve("train.tsv"), 12, 3);
        String log = new ChildTrainer(dir)
                .run(
                        List.of(),
                        List.of(
                                "train",
                                "--model",
                                TrainCommandTest.fixture("deberta-tiny-a").toString(),
                                "--train",
                                data.toString(),
                                "--eval",
                                data.toString(),
                                "--output",
                                dir.resolve("run").toString(),
                                "--epochs",
                                "2",
                                "--batch-size",
                                "4",
                                "--no-progress",
                                "--no-calibration"),
                        "train");

        assertThat(log).contains("epoch 2/2", "restored epoch");
        assertThat(log).doesNotContain("AutoNonVariableTypeMode");
        // c10's warning lines start with [W<mmdd> (TORCH_WARN); none means nothing to a user of the CLI
        assertThat(log.lines()).noneMatch(line -> line.matches("^\\[W\\d{4} .*"));
    }
}
