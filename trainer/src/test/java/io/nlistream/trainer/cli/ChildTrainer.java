package io.nlistream.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The trainer CLI in a child JVM, as a user runs it: its own process, its own libtorch. Logs (stdout and stderr
 * together) go to {@code <dir>/<name>.log}.
 *
 * <p>The child's classpath is this JVM's, with every directory entry (the modules' {@code target/classes}) copied
 * into {@code dir} first: a build running beside the suite (another {@code ./mvnw} in the same checkout) must not
 * change the code the children run between two of them.
 */
final class ChildTrainer {
    /** libtorch single-threaded (intra- and inter-op), so that float summation order cannot vary between runs. */
    static final List<String> SINGLE_THREADED =
            List.of("-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1");

    private final Path dir;
    private final String classpath;

    ChildTrainer(Path dir) {
        this.dir = dir;
        this.classpath = snapshotClasspath(dir.resolve("classpath"));
    }

    Path log(String name) {
        return dir.resolve(name + ".log");
    }

    /** Starts {@code nli-trainer ARGS} with extra JVM options (system properties). */
    Process start(List<String> jvmOptions, List<String> args, String name) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(classpath);
        command.add("-Dai.djl.offline=true");
        command.addAll(jvmOptions);
        command.add(TrainerCli.class.getName());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        // MKL's conditional numerical reproducibility: sgemm's rounding independent of buffer alignment.
        builder.environment().put("MKL_CBWR", "AUTO,STRICT");
        return builder.redirectErrorStream(true)
                .redirectOutput(log(name).toFile())
                .start();
    }

    /** Waits for a child started by {@link #start}, requires exit status 0, and returns its log. */
    String finish(Process p, String name) throws Exception {
        assertThat(p.waitFor(5, TimeUnit.MINUTES))
                .as("%s finished within 5 minutes", name)
                .isTrue();
        String log = Files.readString(log(name));
        assertThat(p.exitValue()).as(log).isZero();
        return log;
    }

    String run(List<String> jvmOptions, List<String> args, String name) throws Exception {
        return finish(start(jvmOptions, args, name), name);
    }

    private static String snapshotClasspath(Path target) {
        List<String> entries = new ArrayList<>();
        String[] parts = System.getProperty("java.class.path").split(File.pathSeparator);
        for (int i = 0; i < parts.length; i++) {
            Path entry = Path.of(parts[i]);
            if (Files.isDirectory(entry)) {
                Path copy = target.resolve(Integer.toString(i));
                copyTree(entry, copy);
                entries.add(copy.toString());
            } else {
                entries.add(parts[i]);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static void copyTree(Path from, Path to) {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the classpath entry " + from, e);
        }
    }
}
