package io.nlistream.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static String model() {
        return Path.of(System.getProperty("nli.fixtures.dir"), "camemberta-vocab-tiny")
                .toString();
    }

    @Test
    void jsonHasLabelConfidenceAndAProbabilityPerLabel() throws Exception {
        CliRun run = CliRun.run(
                "predict",
                "--model",
                model(),
                "--premise",
                "Le chat dort sur le canapé.",
                "--hypothesis",
                "Un animal se repose.",
                "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = JSON.readTree(run.out());
        JsonNode probs = json.get("probabilities");
        assertThat(probs.size()).isEqualTo(3);
        double sum = 0;
        String best = null;
        double bestP = -1;
        for (String label : new String[] {"entailment", "neutral", "contradiction"}) {
            double p = probs.get(label).asDouble();
            sum += p;
            if (p > bestP) {
                bestP = p;
                best = label;
            }
        }
        assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(json.get("label").asText()).isEqualTo(best);
        assertThat(json.get("confidence").asDouble()).isEqualTo(bestP);
        assertThat(json.get("truncated").asBoolean()).isFalse();
    }

    @Test
    void displayShowsABarPerLabelForEachPairOfATsv() throws Exception {
        Path pairs = tmp.resolve("pairs.tsv");
        Files.writeString(pairs, "premise\thypothesis\nIl pleut.\tLe sol est mouillé.\nIl fait beau.\tIl pleut.\n");
        CliRun run = CliRun.run("predict", "--model", model(), "--pairs", pairs.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Premise:    Il pleut.", "Hypothesis: Il pleut.", "Prediction: ");
        assertThat(run.out()
                        .lines()
                        .filter(l -> l.matches("  (entailment|neutral|contradiction) +[█░]{40} +\\d+\\.\\d%")))
                .hasSize(6);
    }

    @Test
    void incompleteInputExitsTwoWithAMessage() {
        CliRun run = CliRun.run("predict", "--model", model(), "--premise", "Seule.");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--hypothesis");
        CliRun noModel = CliRun.run("predict", "--model", tmp.toString(), "--premise", "a", "--hypothesis", "b");
        assertThat(noModel.exitCode()).isEqualTo(2);
        assertThat(noModel.err()).contains("config.json");
    }
}
