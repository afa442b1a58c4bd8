package io.nlistream.trainer.cli;

import io.nlistream.trainer.eval.HtmlReport;
import io.nlistream.trainer.eval.RunComparison;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code compare RUN...}: the seed's comparison table and bar chart over finished runs. */
@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        description = "Compare finished runs (e.g. CamemBERT vs CamemBERTa): comparison.md, comparison.json,"
                + " comparison.png and a self-contained report.html with accuracy, macro-F1, weighted-F1 and ECE"
                + " (before/after calibration) of each run's restored model.")
public final class CompareCommand implements Callable<Integer> {
    @Parameters(
            arity = "1..*",
            paramLabel = "RUN",
            description = "Run directories written by `train` (or their metrics.json).")
    List<Path> runs;

    @Option(
            names = "--output",
            paramLabel = "DIR",
            defaultValue = "runs/comparison",
            description = "Where to write the comparison (default: ${DEFAULT-VALUE}).")
    Path output;

    @Override
    public Integer call() {
        try {
            List<RunComparison.Row> rows = RunComparison.write(runs, output);
            System.out.print(RunComparison.markdown(rows));
            System.out.println("wrote " + output.resolve(RunComparison.MARKDOWN) + ", "
                    + output.resolve(RunComparison.PNG) + ", " + output.resolve(HtmlReport.FILE));
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println("compare: " + e.getMessage());
            return 2;
        }
    }
}
