package io.nlistream.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlistream.trainer.checkpoint.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParityCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static Path fixture(String name) {
        return Path.of(System.getProperty("nli.fixtures.dir"), name);
    }

    @Test
    void fixtureWithinToleranceExitsZeroWithDiffsPerHiddenState() throws Exception {
        CliRun run = CliRun.run("parity", fixture("deberta-tiny-b").toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = JSON.readTree(run.out());
        assertThat(json.get("pass").asBoolean()).isTrue();
        assertThat(json.get("logits_max_abs_diff").asDouble()).isLessThan(1e-4);
        assertThat(json.get("architecture").asText()).isEqualTo("DebertaV2ForSequenceClassification");
        JsonNode hidden = json.get("hidden_states_max_abs_diff");
        for (String k : new String[] {"hidden_states.0", "hidden_states.1", "hidden_states.2", "last_hidden_state"}) {
            assertThat(hidden.get(k).asDouble()).as(k).isLessThan(1e-4);
        }
    }

    @Test
    void differenceOverToleranceExitsOne() throws Exception {
        Path dir = copyFixture("camembert-tiny");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> expected =
                    new LinkedHashMap<>(Safetensors.read(dir.resolve("expected.safetensors"), m));
            expected.put("logits", expected.get("logits").add(1e-3f));
            Safetensors.write(dir.resolve("expected.safetensors"), expected, Map.of(), Safetensors.FloatFormat.F32);
        }
        CliRun run = CliRun.run("parity", dir.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        JsonNode json = JSON.readTree(run.out());
        assertThat(json.get("pass").asBoolean()).isFalse();
        assertThat(json.get("logits_max_abs_diff").asDouble()).isBetween(9e-4, 1.1e-3);
    }

    @Test
    void badInputExitsTwoWithAMessage() throws Exception {
        CliRun missing = CliRun.run("parity", tmp.resolve("nowhere").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("is not a directory");

        Path noExpected = copyFixture("deberta-tiny-a");
        Files.delete(noExpected.resolve("expected.safetensors"));
        CliRun run = CliRun.run("parity", noExpected.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("expected.safetensors");

        CliRun half =
                CliRun.run("parity", "--tokenizer", fixture("tokenizer-deberta").toString());
        assertThat(half.exitCode()).isEqualTo(2);
        assertThat(half.err()).contains("--pairs");
    }

    /** The tiny tokenizers' reference encodings, untruncated and truncated to 24 (fixtures/tokenizer-*). */
    @Test
    void tokenizerParityOnReferenceEncodings() throws Exception {
        for (String tok : new String[] {"tokenizer-deberta", "tokenizer-camembert"}) {
            JsonNode cases = JSON.readTree(
                            fixture(tok).resolve("expected_encodings.json").toFile())
                    .get("cases");
            for (boolean truncated : new boolean[] {false, true}) {
                List<JsonNode> selected = new ArrayList<>();
                cases.forEach(c -> {
                    if (c.get("max_length").isNull() != truncated) {
                        selected.add(c);
                    }
                });
                Path pairs = tmp.resolve(tok + truncated + ".tsv");
                Path expected = tmp.resolve(tok + truncated + ".jsonl");
                writeCases(selected, pairs, expected, false);
                String maxLength = truncated ? "24" : "512";
                CliRun run = CliRun.run(
                        "parity",
                        "--tokenizer",
                        fixture(tok).toString(),
                        "--pairs",
                        pairs.toString(),
                        "--expected",
                        expected.toString(),
                        "--max-length",
                        maxLength);
                assertThat(run.exitCode())
                        .as(tok + " " + maxLength + ": " + run.out() + run.err())
                        .isZero();
                JsonNode summary = JSON.readTree(run.out().strip());
                assertThat(summary.get("pairs_checked").asInt()).isEqualTo(10);
                assertThat(summary.get("mismatches").asInt()).isZero();
            }
        }
    }

    @Test
    void tokenizerMismatchIsPrintedAndExitsOne() throws Exception {
        JsonNode cases = JSON.readTree(fixture("tokenizer-deberta")
                        .resolve("expected_encodings.json")
                        .toFile())
                .get("cases");
        List<JsonNode> untruncated = new ArrayList<>();
        cases.forEach(c -> {
            if (c.get("max_length").isNull()) {
                untruncated.add(c);
            }
        });
        Path pairs = tmp.resolve("p.tsv");
        Path expected = tmp.resolve("e.jsonl");
        writeCases(untruncated, pairs, expected, true);
        CliRun run = CliRun.run(
                "parity",
                "--tokenizer",
                fixture("tokenizer-deberta").toString(),
                "--pairs",
                pairs.toString(),
                "--expected",
                expected.toString(),
                "--max-length",
                "512");
        assertThat(run.exitCode()).isEqualTo(1);
        String[] lines = run.out().strip().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(JSON.readTree(lines[0]).get("pairID").asText()).isEqualTo("3");
        assertThat(JSON.readTree(lines[1]).get("mismatches").asInt()).isEqualTo(1);
    }

    private static void writeCases(List<JsonNode> cases, Path pairs, Path expected, boolean tamperThird)
            throws Exception {
        StringBuilder tsv = new StringBuilder("pairID\tpremise\thypothesis\n");
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < cases.size(); i++) {
            JsonNode c = cases.get(i);
            String id = Integer.toString(i + 1);
            tsv.append(id)
                    .append('\t')
                    .append(c.get("premise").asText())
                    .append('\t')
                    .append(c.get("hypothesis").asText())
                    .append('\n');
            ObjectNode row = JSON.createObjectNode();
            row.put("pairID", id);
            row.set("input_ids", c.get("ids").deepCopy());
            if (tamperThird && i == 2) {
                ((com.fasterxml.jackson.databind.node.ArrayNode) row.get("input_ids")).set(1, 5);
            }
            jsonl.append(row).append('\n');
        }
        Files.writeString(pairs, tsv);
        Files.writeString(expected, jsonl);
    }

    private Path copyFixture(String name) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve(name));
        try (var files = Files.list(fixture(name))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }
}
