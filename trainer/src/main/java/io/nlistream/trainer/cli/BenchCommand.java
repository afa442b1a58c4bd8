package io.nlistream.trainer.cli;

import picocli.CommandLine.Command;

/** {@code bench <what>}: speed and memory figures, printed; never a test. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks that print figures (pairs/s, ms per batch).",
        subcommands = {BenchForwardCommand.class, BenchOnnxCommand.class, BenchTrainStepCommand.class})
public final class BenchCommand {}
