package io.nlistream.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The real reference sets under {@code nli.shared.dir} (not redistributed: XNLI-fr is CC BY-NC): counts as documented
 * in shared/data/README.md, quoting and CRLF handled.
 */
@Tag("xnli")
class SharedDataReadTest {
    private static Path data(String relative) {
        Path dir = Path.of(System.getProperty("nli.shared.dir", "/work/shared"), "data");
        Path file = dir.resolve(relative);
        assertThat(file).as("reference data %s is missing: set -Dnli.shared.dir to the directory holding data/"
                + " (see README, XNLI-fr is not redistributed)", file).exists();
        return file;
    }

    @Test
    void xnliDevAndTestHaveTheDocumentedBalancedLabels() {
        assertThat(NliReader.read(data("xnli-fr/xnli.dev.fr.tsv")).labelDistribution().counts())
                .containsExactly(830, 830, 830);
        NliDataset test = NliReader.read(data("xnli-fr/xnli.test.fr.tsv"));
        assertThat(test.labelDistribution().counts()).containsExactly(1670, 1670, 1670);
        assertThat(test.examples().get(0).premise()).startsWith("Eh bien, je ne pensais même pas à cela");
        assertThat(test.examples().get(0).label()).isEqualTo(2);
    }

    @Test
    void rte3AndGqnliReadWithoutQuotesLeftInTheText() throws Exception {
        NliDataset dev = NliReader.read(data("rte3-fr/RTE3-FR-dev-set-3class.tsv"));
        assertThat(dev.labelDistribution().counts()).containsExactly(409, 300, 91);
        NliDataset test = NliReader.read(data("rte3-fr/RTE3-FR-test-gold-3class.tsv"));
        assertThat(test.labelDistribution().counts()).containsExactly(409, 318, 73);
        // Row 614 quotes a whole sentence: the field is "\"\"\"Le Herald ...\"\"\"" in the file.
        NliExample quoted = dev.examples().get(613);
        assertThat(quoted.line()).isEqualTo(615);
        assertThat(quoted.premise()).startsWith("\"Le Herald est maintenant").endsWith("possible.\"");
        assertThat(dev.examples()).noneMatch(e -> e.hypothesis().endsWith("\r"));
        assertThat(NliReader.read(data("gqnli-fr/gqnli.test.fr.tsv")).labelDistribution().counts())
                .containsExactly(97, 100, 103);
        assertThat(Files.size(data("rte3-fr/RTE3-FR-dev-set-3class.tsv"))).isEqualTo(276954);
    }

    @Test
    void daccordReadsAsContradictionVersusMappedCompatibles() {
        NliDataset d = NliReader.read(data("daccord/daccord_dataset.tsv"), new ReadOptions(null, null, null,
                "label_text", Map.of("compatibles", "neutral")));
        assertThat(d.labelDistribution().counts()).containsExactly(0, 519, 515);
    }
}
