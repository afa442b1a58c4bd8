package io.nlistream.trainer.eval;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads and writes {@link RunMetrics} as indented JSON. */
public final class MetricsJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private MetricsJson() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static void write(Path file, Object value) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            MAPPER.writeValue(file.toFile(), value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** The metrics of a run directory (or of a metrics.json file). */
    public static RunMetrics readRun(Path runDirOrFile) {
        Path file = Files.isDirectory(runDirOrFile) ? runDirOrFile.resolve(RunMetrics.FILE) : runDirOrFile;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(runDirOrFile + " is not a run: it has no " + RunMetrics.FILE
                    + " (pass the directory that `train --output` wrote)");
        }
        try {
            return MAPPER.readValue(file.toFile(), RunMetrics.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
