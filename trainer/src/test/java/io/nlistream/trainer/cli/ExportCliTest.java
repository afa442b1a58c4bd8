package io.nlistream.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlistream.schemas.bundle.BundleManifest;
import io.nlistream.schemas.bundle.BundleVerifier;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The export and parity --onnx commands as a user runs them: exit codes 0 / 1 / 2 and what they print. */
class ExportCliTest {
    static final Path FIXTURES = Path.of(System.getProperty("nli.fixtures.dir", "../fixtures"));

    @TempDir
    Path tmp;

    private record Run(int exit, String out) {}

    private static Run run(String... args) {
        CommandLine cli = TrainerCli.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(new StringWriter()));
        int exit = cli.execute(args);
        return new Run(exit, out.toString());
    }

    @Test
    void exportWritesAVerifiedBundleWithTheRequestedVariants() {
        Path out = tmp.resolve("bundle");
        Run r = run(
                "export",
                "--model",
                FIXTURES.resolve("camembert-tiny").toString(),
                "--out",
                out.toString(),
                "--name",
                "cli-test",
                "--version",
                "2.0.0",
                "--int8",
                "--sample-size",
                "8");
        assertThat(r.exit()).isZero();
        BundleManifest m = BundleVerifier.verify(out);
        assertThat(m.name()).isEqualTo("cli-test");
        assertThat(m.version()).isEqualTo("2.0.0");
        assertThat(m.onnx().variants())
                .extracting(BundleManifest.Variant::precision)
                .containsExactly("fp32", "int8");
    }

    @Test
    void exportOfADirectoryThatIsNoCheckpointIsBadInput() {
        assertThat(run(
                                "export",
                                "--model",
                                tmp.toString(),
                                "--out",
                                tmp.resolve("b").toString())
                        .exit())
                .isEqualTo(2);
        assertThat(tmp.resolve("b")).doesNotExist();
    }

    @Test
    void parityOnnxPrintsOneJsonObjectAndPasses() {
        Run r = run("parity", "--onnx", FIXTURES.resolve("deberta-tiny-a").toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out())
                .contains("\"pass\":true")
                .contains("\"logits_max_abs_diff\"")
                .contains("bundle model.onnx");
    }

    @Test
    void parityOnnxWithoutExpectedOutputsIsBadInput() {
        Run r = run(
                "parity", "--onnx", FIXTURES.resolve("lora-deberta-tiny/merged").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).contains("expected.safetensors is missing");
    }
}
