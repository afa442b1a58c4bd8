package io.nlistream.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The BSD-2 reference sets shipped in {@code data/reference} (RTE3-FR, GQNLI-FR, DACCORD): counts as documented
 * in data/reference/LICENSE's sources, quoting and CRLF handled. Runs on a fresh clone.
 */
class ReferenceDataReadTest {
    private static Path data(String relative) {
        Path file = Path.of(System.getProperty("nli.data.dir", "../data"), "reference", relative);
        assertThat(file)
                .as("shipped reference data %s is missing (run the tests through Maven)", file)
                .exists();
        return file;
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
        assertThat(NliReader.read(data("gqnli-fr/gqnli.test.fr.tsv"))
                        .labelDistribution()
                        .counts())
                .containsExactly(97, 100, 103);
        // the shipped copy is byte-identical to upstream (CRLF kept: data/reference/.gitattributes)
        assertThat(Files.size(data("rte3-fr/RTE3-FR-dev-set-3class.tsv"))).isEqualTo(276954);
    }

    @Test
    void daccordReadsAsContradictionVersusMappedCompatibles() {
        NliDataset d = NliReader.read(
                data("daccord/daccord_dataset.tsv"),
                new ReadOptions(null, null, null, "label_text", Map.of("compatibles", "neutral")));
        assertThat(d.labelDistribution().counts()).containsExactly(0, 519, 515);
    }
}
