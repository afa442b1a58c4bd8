package io.nlistream.trainer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar trainer/target/nli-trainer.jar <command>}: each command is a class in this package. */
@Command(
        name = "nli-trainer",
        mixinStandardHelpOptions = true,
        versionProvider = TrainerCli.Version.class,
        description = "Fine-tune, evaluate and export French NLI models (CamemBERTa / CamemBERT) for nli-stream.",
        subcommands = {
            CommandLine.HelpCommand.class,
            DownloadCommand.class,
            ExportCommand.class,
            ParityCommand.class,
            PredictCommand.class,
            BenchCommand.class,
            TrainCommand.class,
            EvaluateCommand.class,
            CompareCommand.class,
            CalibrateCommand.class,
        })
public final class TrainerCli {
    public static void main(String[] args) {
        NativeMemory.configure(); // before the engine loads: it reads one setting at its first allocation
        System.exit(commandLine().execute(args));
    }

    /** Exit codes: 0 ok, 1 a check failed (parity over tolerance, ...), 2 bad input (picocli's usage errors too). */
    public static CommandLine commandLine() {
        return new CommandLine(new TrainerCli())
                .setExitCodeExceptionMapper(e -> 2)
                .setCaseInsensitiveEnumValuesAllowed(true);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = TrainerCli.class.getPackage().getImplementationVersion();
            return new String[] {"nli-trainer " + (v == null ? "dev" : v), "allocator: " + NativeMemory.allocator()};
        }
    }
}
