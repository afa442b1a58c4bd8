package io.nlistream.trainer.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the trainer CLI in-process and captures what it prints. */
record CliRun(int exitCode, String out, String err) {
    static CliRun run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = TrainerCli.commandLine()
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
