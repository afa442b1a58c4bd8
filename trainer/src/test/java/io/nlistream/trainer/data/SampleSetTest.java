package io.nlistream.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The project's own French sample set (data/samples): the demo and end-to-end tests rely on its shape. */
class SampleSetTest {
    static Path samples() {
        return Path.of(System.getProperty("nli.fixtures.dir", "../fixtures"))
                .getParent()
                .resolve("data/samples");
    }

    @Test
    void trainAndEvalAreBalancedDisjointAndLicensed() throws Exception {
        NliDataset train = NliReader.read(samples().resolve("train.tsv"));
        NliDataset eval = NliReader.read(samples().resolve("eval.tsv"));
        assertThat(train.labelDistribution().counts()).containsExactly(75, 75, 75);
        assertThat(eval.labelDistribution().counts()).containsExactly(45, 45, 45);
        Set<String> trainPairs = new HashSet<>();
        train.examples().forEach(e -> trainPairs.add(e.premise() + "\t" + e.hypothesis()));
        assertThat(eval.examples()).noneMatch(e -> trainPairs.contains(e.premise() + "\t" + e.hypothesis()));
        assertThat(Files.readString(samples().resolve("LICENSE"))).contains("Copyright (c) 2023, Maximos Skandalis");
    }
}
