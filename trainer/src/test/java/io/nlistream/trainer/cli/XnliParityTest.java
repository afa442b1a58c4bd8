package io.nlistream.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Real French text (XNLI-fr dev, not redistributed with the project: read from -Dnli.shared.dir): the camemberta-base
 * tokenizer gives the reference ids for every pair, and the whole pipeline (tokenizer → model → softmax) gives the
 * reference probabilities of camemberta-vocab-tiny.
 */
@Tag("xnli")
class XnliParityTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static Path shared() {
        Path dir = Path.of(System.getProperty("nli.shared.dir", "/work/shared"));
        assertThat(dir.resolve("data/xnli-fr/xnli.dev.fr.tsv"))
                .as("XNLI-fr dev (not in the repository, CC BY-NC): set -Dnli.shared.dir to the reference data "
                        + "directory")
                .isRegularFile();
        return dir;
    }

    @ParameterizedTest
    @CsvSource({"128, xnli.dev.fr.expected.jsonl, 2490", "24, xnli.dev.fr.max24.expected.jsonl, 200"})
    void camembertaTokenizerMatchesOnXnliDev(int maxLength, String expected, int pairs) throws Exception {
        Path shared = shared();
        CliRun run = CliRun.run(
                "parity",
                "--tokenizer",
                shared.resolve("data/camemberta-base").toString(),
                "--pairs",
                shared.resolve("data/xnli-fr/xnli.dev.fr.tsv").toString(),
                "--expected",
                shared.resolve("fixtures/tokenization-camemberta-xnli")
                        .resolve(expected)
                        .toString(),
                "--max-length",
                Integer.toString(maxLength));
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        JsonNode summary = JSON.readTree(run.out().strip());
        assertThat(summary.get("pairs_checked").asInt()).isEqualTo(pairs);
        assertThat(summary.get("mismatches").asInt()).isZero();
    }

    @Test
    void predictGivesReferenceProbabilitiesOnXnliPairs() throws Exception {
        Path fixture = shared().resolve("fixtures/camemberta-vocab-tiny");
        List<JsonNode> rows = new ArrayList<>();
        StringBuilder tsv = new StringBuilder("pairID\tpremise\thypothesis\n");
        for (String line : Files.readAllLines(fixture.resolve("expected.jsonl"))) {
            JsonNode row = JSON.readTree(line);
            rows.add(row);
            tsv.append(row.get("pairID").asText())
                    .append('\t')
                    .append(row.get("premise").asText())
                    .append('\t')
                    .append(row.get("hypothesis").asText())
                    .append('\n');
        }
        Path pairs = tmp.resolve("pairs.tsv");
        Files.writeString(pairs, tsv);
        // a batch size that does not divide 64: padding differs from the reference's single batch
        CliRun run = CliRun.run(
                "predict", "--model", fixture.toString(), "--pairs", pairs.toString(), "--json", "--batch-size", "24");
        assertThat(run.exitCode()).as(run.err()).isZero();
        String[] lines = run.out().strip().split("\n");
        assertThat(lines).hasSize(rows.size()).hasSize(64);
        for (int i = 0; i < lines.length; i++) {
            JsonNode got = JSON.readTree(lines[i]);
            JsonNode want = rows.get(i);
            assertThat(got.get("id").asText()).isEqualTo(want.get("pairID").asText());
            assertThat(got.get("label").asText()).isEqualTo(want.get("label").asText());
            String[] labels = {"entailment", "neutral", "contradiction"};
            for (int j = 0; j < 3; j++) {
                assertThat(got.get("probabilities").get(labels[j]).asDouble())
                        .isCloseTo(
                                want.get("probabilities").get(j).asDouble(), org.assertj.core.data.Offset.offset(1e-4));
            }
        }
    }
}
