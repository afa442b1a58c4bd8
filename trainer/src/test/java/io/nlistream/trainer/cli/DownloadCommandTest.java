package io.nlistream.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlistream.trainer.hub.FakeHub;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DownloadCommandTest {
    private static final Path FIXTURE =
            Path.of(System.getProperty("nli.fixtures.dir", "../fixtures")).resolve("camemberta-vocab-tiny");

    @TempDir
    Path cache;

    private FakeHub hub;
    private String commit;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
        commit = hub.commit(
                "almanach/camemberta-base",
                "main",
                FakeHub.fixture(
                        FIXTURE, "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"));
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private int run(String... args) {
        CommandLine cli = TrainerCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void printsTheSnapshotDirectoryAndWorksOfflineAfterwards() {
        int code = run(
                "download",
                "--model",
                "almanach/camemberta-base",
                "--endpoint",
                hub.endpoint().toString(),
                "--cache-dir",
                cache.toString(),
                "--quiet");

        Path snapshot =
                cache.resolve("models--almanach--camemberta-base/snapshots").resolve(commit);
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString().trim()).isEqualTo(snapshot.toString());
        assertThat(snapshot.resolve("model.safetensors")).exists();

        hub.close();
        out.getBuffer().setLength(0);
        assertThat(run("download", "--model", "almanach/camemberta-base", "--offline", "--cache-dir", cache.toString()))
                .isZero();
        assertThat(out.toString().trim()).isEqualTo(snapshot.toString());
    }

    @Test
    void exitsTwoWithTheHubsExplanationForAnUnknownRevision() {
        int code = run(
                "download",
                "--model",
                "almanach/camemberta-base",
                "--revision",
                "nope",
                "--endpoint",
                hub.endpoint().toString(),
                "--cache-dir",
                cache.toString());

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("Revision 'nope' was not found in 'almanach/camemberta-base'");
        assertThat(out.toString()).isEmpty();
    }
}
