package io.nlistream.deploy;

import static io.nlistream.deploy.StreamerContract.BUNDLE_PATH;
import static io.nlistream.deploy.StreamerContract.HTTP_PORT;
import static io.nlistream.deploy.StreamerContract.STREAMER_ENV;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nlistream.schemas.Json;
import io.nlistream.schemas.validation.ContractSchema;
import io.nlistream.schemas.validation.SchemaValidator;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The deployment files against what the streamer really reads (its application.properties): every environment
 * variable the chart and compose set must reach a streamer property, and nothing may move the health, metrics or
 * HTTP endpoints the probes and scrapes use.
 */
class StreamerConfigCrossCheckTest {
    private static final Path PROPERTIES = RepoPaths.resolve("streamer/src/main/resources/application.properties");
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]");

    private static Properties properties() throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(PROPERTIES)) {
            properties.load(reader);
        }
        return properties;
    }

    /** Names Quarkus resolves from the environment: explicit ${ENV} references and each key's env-var form. */
    static Set<String> environmentTheStreamerReads(Properties properties) {
        Set<String> names = new HashSet<>();
        for (String key : properties.stringPropertyNames()) {
            if (!key.startsWith("%")) {
                names.add(key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"));
            }
            Matcher m = REFERENCE.matcher(properties.getProperty(key));
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    @Test
    void everyContractVariableReachesAStreamerProperty() throws IOException {
        Set<String> read = environmentTheStreamerReads(properties());

        assertThat(STREAMER_ENV)
                .allSatisfy(
                        name -> assertThat(read).as("streamer reads %s", name).contains(name));
    }

    @Test
    void defaultsMatchWhatTheDeploymentsMount() throws IOException {
        Properties properties = properties();

        assertThat(properties.getProperty("quarkus.http.port", "8080")).isEqualTo(Integer.toString(HTTP_PORT));
        assertThat(properties.getProperty("nli.bundle.path")).isEqualTo(BUNDLE_PATH);
        assertThat(properties.getProperty("kafka-streams.state.dir")).contains("${KAFKA_STREAMS_STATE_DIR");
    }

    @Test
    void nothingMovesTheHealthMetricsOrRootPaths() throws IOException {
        Properties properties = properties();

        assertThat(properties.stringPropertyNames())
                .noneMatch(key ->
                        key.matches("(%[^.]+\\.)?quarkus\\.(http\\.(root-path|non-application-root-path|management.*)"
                                + "|smallrye-health\\..*path|micrometer\\.export\\.prometheus\\.path"
                                + "|management\\..*)"));
    }

    @Test
    void everyDemoPairIsAValidContractEvent() throws IOException {
        Path pairs = RepoPaths.resolve("streamer/src/main/resources/demo/pairs.jsonl");
        List<String> lines =
                Files.readAllLines(pairs).stream().filter(l -> !l.isBlank()).toList();

        assertThat(lines).as("demo pairs published by compose's demo-producer").isNotEmpty();
        for (String line : lines) {
            JsonNode event = Json.mapper().readTree(line);
            assertThat(SchemaValidator.get().validate(ContractSchema.NLI_PAIR, event))
                    .as(line)
                    .isEmpty();
        }
    }
}
