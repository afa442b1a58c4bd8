package io.nlistream.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * {@code trainer/bin/nli-trainer}: the allocator it preloads is the one the JVM runs on (the trainer reads its own
 * memory map), and a wrong setting or a missing jar is refused with the fix. tcmalloc and jemalloc must be installed
 * ({@code apt-get install libtcmalloc-minimal4 libjemalloc2}; {@code .ci/run} does).
 */
@EnabledOnOs(OS.LINUX) // LD_PRELOAD is a Linux matter: elsewhere the launcher keeps the platform's allocator
class LauncherTest {
    private static final Path LAUNCHER = Path.of("bin", "nli-trainer");

    record Run(int exit, String output) {}

    private static Run launch(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", LAUNCHER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Path javaBin = Path.of(System.getProperty("java.home"), "bin");
        builder.environment().put("PATH", javaBin + File.pathSeparator + System.getenv("PATH"));
        builder.environment().put("NLI_TRAINER_CLASSPATH", System.getProperty("java.class.path"));
        builder.environment().remove("LD_PRELOAD");
        builder.environment().remove("NLI_MALLOC");
        builder.environment().putAll(env);
        Process p = builder.start();
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("launcher finished").isTrue();
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void byDefaultTheJvmRunsOnTcmalloc() throws Exception {
        Run run = launch(Map.of(), "--version");
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output())
                .as("install libtcmalloc-minimal4 (.ci/run does)")
                .contains("allocator: tcmalloc");
    }

    @Test
    void eachChoiceIsTheAllocatorTheJvmRunsOn() throws Exception {
        Map<String, String> expected =
                Map.of("tcmalloc", "tcmalloc", "jemalloc", "jemalloc", "glibc", "glibc", "mapped", "glibc, mapped");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            Run run = launch(Map.of("NLI_MALLOC", e.getKey()), "--version");
            assertThat(run.exit()).as(run.output()).isZero();
            assertThat(run.output()).as("NLI_MALLOC=" + e.getKey()).contains("allocator: " + e.getValue() + "\n");
        }
    }

    @Test
    void anUnknownChoiceIsRefusedWithTheChoices() throws Exception {
        Run run = launch(Map.of("NLI_MALLOC", "tcmaloc"), "--version");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.output()).contains("NLI_MALLOC=tcmaloc is not one of auto, tcmalloc, jemalloc, glibc, mapped");
    }

    @Test
    void aMissingJarSaysHowToBuildIt() throws Exception {
        Run run = launch(
                Map.of("NLI_TRAINER_CLASSPATH", "", "NLI_TRAINER_JAR", "/nonexistent/nli-trainer.jar"), "--version");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.output())
                .contains("/nonexistent/nli-trainer.jar not found; build it with ./mvnw -B -pl trainer -am package");
    }
}
