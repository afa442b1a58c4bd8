package io.nlistream.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * XNLI-fr under {@code nli.shared.dir} (not redistributed: CC BY-NC): counts as documented in shared/data/README.md.
 * The BSD-2 sets ship with the project: {@link ReferenceDataReadTest}.
 */
@Tag("xnli")
class SharedDataReadTest {
    private static Path data(String relative) {
        Path dir = Path.of(System.getProperty("nli.shared.dir", "/work/shared"), "data");
        Path file = dir.resolve(relative);
        assertThat(file)
                .as(
                        "reference data %s is missing: set -Dnli.shared.dir to the directory holding data/"
                                + " (see README, XNLI-fr is not redistributed)",
                        file)
                .exists();
        return file;
    }

    @Test
    void xnliDevAndTestHaveTheDocumentedBalancedLabels() {
        assertThat(NliReader.read(data("xnli-fr/xnli.dev.fr.tsv"))
                        .labelDistribution()
                        .counts())
                .containsExactly(830, 830, 830);
        NliDataset test = NliReader.read(data("xnli-fr/xnli.test.fr.tsv"));
        assertThat(test.labelDistribution().counts()).containsExactly(1670, 1670, 1670);
        assertThat(test.examples().get(0).premise()).startsWith("Eh bien, je ne pensais même pas à cela");
        assertThat(test.examples().get(0).label()).isEqualTo(2);
    }
}
