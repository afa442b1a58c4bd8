package io.nlistream.deploy.docker;

import static io.nlistream.deploy.StreamerContract.BUNDLE_PATH;
import static io.nlistream.deploy.StreamerContract.HEALTH_LIVE;
import static io.nlistream.deploy.StreamerContract.HEALTH_READY;
import static io.nlistream.deploy.StreamerContract.HTTP_PORT;
import static io.nlistream.deploy.StreamerContract.STATE_DIR;
import static io.nlistream.deploy.StreamerContract.UID;
import static org.assertj.core.api.Assertions.assertThat;

import io.nlistream.deploy.RepoPaths;
import io.nlistream.deploy.docker.Dockerfile.Stage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Static checks of the images (no Docker engine here: the images themselves are not built by CI). */
class DockerfileTest {
    private static final Pattern BUILD_TOOLS = Pattern.compile(
            "(?i)\\b(mvnw?|maven|gradle|gcc|g\\+\\+|make|javac|git|apt-get install|openjdk-\\d+-jdk)\\b");

    static Stream<String> allImages() {
        return Stream.of("docker/streamer.Dockerfile", "docker/streamer-gpu.Dockerfile", "docker/trainer.Dockerfile");
    }

    static Stream<String> streamerImages() {
        return Stream.of("docker/streamer.Dockerfile", "docker/streamer-gpu.Dockerfile");
    }

    private static Dockerfile parse(String relative) {
        return Dockerfile.parse(RepoPaths.resolve(relative));
    }

    @ParameterizedTest
    @MethodSource("allImages")
    void buildsWithTheMavenWrapperInAnEarlierStage(String file) {
        Dockerfile dockerfile = parse(file);
        Stage build = dockerfile.stage("build");

        assertThat(dockerfile.stages().size()).isGreaterThanOrEqualTo(2);
        assertThat(build.from()).startsWith("eclipse-temurin:17-jdk");
        assertThat(build.arguments("RUN")).anyMatch(run -> run.contains("./mvnw") && run.contains("package"));
    }

    @ParameterizedTest
    @MethodSource("allImages")
    void runtimeStageHasNoBuildToolsAndRunsAsUid1001(String file) {
        Stage runtime = parse(file).finalStage();

        assertThat(runtime.from()).doesNotContain("jdk");
        assertThat(runtime.arguments("RUN"))
                .noneMatch(run -> BUILD_TOOLS.matcher(run).find());
        assertThat(runtime.arguments("COPY"))
                .as("only built artefacts, never the whole source tree")
                .noneMatch(copy -> copy.matches("(--\\S+\\s+)*\\.\\s+.*"));
        assertThat(runtime.arguments("COPY"))
                .filteredOn(c -> c.contains("--from=build"))
                .allMatch(c -> c.contains("/target/"));
        String user = runtime.last("USER").orElseThrow(() -> new AssertionError(file + ": no USER in the final stage"));
        assertThat(user.split(":")[0]).isEqualTo(Long.toString(UID));
        assertThat(runtime.arguments("RUN")).anyMatch(run -> run.contains("useradd") && run.contains("--uid " + UID));
        assertThat(runtime.last("ENTRYPOINT").orElseThrow()).startsWith("[\"java\", \"-jar\"");
    }

    @ParameterizedTest
    @MethodSource("streamerImages")
    void streamerImagesFollowTheRuntimeContract(String file) {
        Stage runtime = parse(file).finalStage();
        String env = String.join(" ", runtime.arguments("ENV"));

        assertThat(runtime.arguments("EXPOSE")).containsExactly(Integer.toString(HTTP_PORT));
        assertThat(runtime.arguments("WORKDIR"))
                .as("the chart mounts extra properties at /app/config")
                .containsExactly("/app");
        assertThat(runtime.last("ENTRYPOINT").orElseThrow())
                .isEqualTo("[\"java\", \"-jar\", \"/app/quarkus-run.jar\"]");
        assertThat(runtime.arguments("COPY"))
                .anyMatch(c -> c.contains("quarkus-app/lib/"))
                .anyMatch(c -> c.contains("quarkus-app/*.jar"))
                .anyMatch(c -> c.contains("quarkus-app/app/"))
                .anyMatch(c -> c.contains("quarkus-app/quarkus/"));
        assertThat(env)
                .contains(
                        "NLI_BUNDLE_PATH=" + BUNDLE_PATH,
                        "KAFKA_STREAMS_STATE_DIR=" + STATE_DIR,
                        "DJL_CACHE_DIR=/tmp/");
        assertThat(runtime.arguments("RUN")).anyMatch(run -> run.contains("chown 1001:1001 " + STATE_DIR));
        String healthcheck = runtime.last("HEALTHCHECK").orElseThrow();
        assertThat(healthcheck).contains("CMD [\"/usr/local/bin/nli-healthcheck\"");
        assertThat(List.of(HEALTH_READY, HEALTH_LIVE)).anyMatch(healthcheck::contains);
    }

    @ParameterizedTest
    @MethodSource("streamerImages")
    void bundleIsBakedFromABuildArgumentWhoseDefaultExists(String file) {
        Stage runtime = parse(file).finalStage();
        Map<String, String> args = Dockerfile.stageArgs(runtime);

        assertThat(args).containsKey("BUNDLE_DIR");
        assertThat(runtime.arguments("COPY")).contains("${BUNDLE_DIR}/ " + BUNDLE_PATH + "/");
        assertThat(Files.isDirectory(RepoPaths.resolve(args.get("BUNDLE_DIR")))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker/streamer-gpu.Dockerfile", "docker/trainer.Dockerfile"})
    void gpuImagesUseCuda12WithCudnn9RuntimeAndTheGpuProfile(String file) {
        Dockerfile dockerfile = parse(file);
        Stage runtime = dockerfile.finalStage();

        // nvidia/cuda tags from 12.4 on name no cuDNN version; their cudnn-runtime flavour ships cuDNN 9.
        assertThat(runtime.from()).matches("nvidia/cuda:12\\.([4-9]|\\d\\d)\\.\\d+-cudnn-runtime-ubuntu\\d\\d\\.04");
        assertThat(dockerfile.stage("build").arguments("RUN")).anyMatch(run -> run.contains("-Pgpu"));
        assertThat(runtime.arguments("COPY")).contains("--from=jre /opt/java/openjdk /opt/java/openjdk");
        assertThat(String.join(" ", runtime.arguments("ENV"))).contains("PATH=\"${JAVA_HOME}/bin:${PATH}\"");
        assertThat(dockerfile.stage("jre").from()).startsWith("eclipse-temurin:17-jre");
    }

    @ParameterizedTest
    @MethodSource("allImages")
    void filesCopiedFromTheContextExistAndAreNotIgnored(String file) throws Exception {
        Stage runtime = parse(file).finalStage();
        List<String> ignored = Files.readAllLines(RepoPaths.resolve(".dockerignore")).stream()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#") && !l.startsWith("!"))
                .toList();

        for (String copy : runtime.arguments("COPY")) {
            if (copy.contains("--from=") || copy.contains("${")) {
                continue;
            }
            String[] parts = copy.replaceAll("--\\S+\\s+", "").split("\\s+");
            Path source = RepoPaths.resolve(parts[0]);
            assertThat(source).as(copy).exists();
            assertThat(ignored).as(copy).noneMatch(pattern -> parts[0].startsWith(pattern.replace("**/", "")));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker/trainer.Dockerfile"})
    void trainerImageRunsTheTrainerJarWithItsLibraries(String file) {
        Stage runtime = parse(file).finalStage();

        assertThat(runtime.arguments("COPY"))
                .contains("--from=build /src/trainer/target/nli-trainer.jar /app/nli-trainer.jar")
                .contains("--from=build /src/trainer/target/lib/ /app/lib/");
        assertThat(runtime.last("ENTRYPOINT").orElseThrow())
                .isEqualTo("[\"java\", \"-jar\", \"/app/nli-trainer.jar\"]");
        assertThat(runtime.arguments("WORKDIR")).containsExactly("/work");
    }
}
