package io.nlistream.trainer.bundle;

import io.nlistream.trainer.data.NliReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Premise/hypothesis pairs the export is checked on: a data file, the repository's sample set, or built-in pairs. */
public final class SamplePairs {
    /** The repository's BSD-2 French sample set, found when the command runs from the repository root. */
    public static final Path REPOSITORY_SAMPLE = Path.of("data", "samples", "eval.tsv");

    private static final String BUILT_IN = "check-pairs.tsv";

    private SamplePairs() {}

    /** The first {@code limit} pairs of {@code file}; with no file, the repository sample or the built-in pairs. */
    public static List<String[]> load(Path file, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("--sample-size must be at least 1, got " + limit);
        }
        Path source = file != null ? file : Files.isRegularFile(REPOSITORY_SAMPLE) ? REPOSITORY_SAMPLE : null;
        List<String[]> pairs = new ArrayList<>();
        if (source != null) {
            NliReader.read(source).examples().stream()
                    .limit(limit)
                    .forEach(e -> pairs.add(new String[] {e.premise(), e.hypothesis()}));
            return pairs;
        }
        try (InputStream in = SamplePairs.class.getResourceAsStream(BUILT_IN)) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            for (int i = 1; i < lines.length && pairs.size() < limit; i++) {
                String[] cols = lines[i].split("\t");
                pairs.add(new String[] {cols[0], cols[1]});
            }
            return pairs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
