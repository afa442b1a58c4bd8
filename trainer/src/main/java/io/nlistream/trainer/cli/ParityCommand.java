package io.nlistream.trainer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlistream.tokenizer.EncodedPair;
import io.nlistream.tokenizer.PairTokenizer;
import io.nlistream.trainer.checkpoint.CheckpointException;
import io.nlistream.trainer.parity.FixtureParity;
import io.nlistream.trainer.parity.LoraFixtureParity;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code parity DIR}: the model implementation against a reference fixture (max abs differences as one JSON object).
 * {@code parity --tokenizer DIR --pairs F.tsv --expected F.jsonl}: tokenization against reference input ids.
 */
@Command(
        name = "parity",
        mixinStandardHelpOptions = true,
        description = {
            "Check the implementation against reference outputs of transformers.",
            "parity DIR: DIR holds config.json, model weights and expected.safetensors; prints one JSON object with"
                    + " logits_max_abs_diff, the max diff of each hidden state and pass.",
            "parity DIR with base/, adapter/ and expected.safetensors (a PEFT LoRA step fixture): loss, gradients,"
                    + " parameters after 1 and 5 AdamW steps, unmerged and merged eval logits.",
            "parity --onnx DIR: the fp32 ONNX export of the fixture in DIR, through a temporary bundle, in ONNX "
                    + "Runtime.",
            "parity --tokenizer DIR --pairs FILE.tsv --expected FILE.jsonl: prints every pair whose input ids differ.",
            "Exit codes: 0 equal within tolerance, 1 a difference over tolerance, 2 bad input."
        })
public final class ParityCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "A fixture directory.")
    Path dir;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "Check tokenization with DIR/tokenizer.json.")
    Path tokenizer;

    @Option(names = "--pairs", paramLabel = "FILE", description = "TSV with pairID, premise and hypothesis columns.")
    Path pairs;

    @Option(names = "--expected", paramLabel = "FILE", description = "JSONL: {\"pairID\": ..., \"input_ids\": [...]}.")
    Path expected;

    @Option(
            names = "--onnx",
            paramLabel = "DIR",
            description = "Check the ONNX export of fixture DIR instead: exported"
                    + " to a temporary bundle, run in ONNX Runtime, compared with expected.safetensors.")
    Path onnx;

    @Option(
            names = "--max-length",
            defaultValue = "128",
            description = "Truncation length (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            if (onnx != null) {
                return OnnxParityCheck.run(onnx, out);
            }
            if (tokenizer != null) {
                if (pairs == null || expected == null) {
                    throw new IllegalArgumentException("--tokenizer needs --pairs FILE.tsv and --expected FILE.jsonl");
                }
                return tokenization(out);
            }
            if (dir == null) {
                throw new IllegalArgumentException("give a fixture DIR, or --tokenizer DIR --pairs ... --expected ...");
            }
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException(dir + " is not a directory");
            }
            return LoraFixtureParity.isLoraFixture(dir) ? lora(out) : model(out);
        } catch (CheckpointException | IllegalArgumentException | UncheckedIOException e) {
            err.println("error: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
    }

    private int model(PrintWriter out) {
        FixtureParity.Result r = FixtureParity.check(dir);
        ObjectNode json = JSON.createObjectNode();
        json.put("fixture", dir.toString());
        json.put("architecture", r.architecture());
        json.put("tolerance", r.tolerance());
        ObjectNode hidden = JSON.createObjectNode();
        r.maxAbsDiff().forEach((name, d) -> {
            if (name.equals("logits") || name.equals("probabilities")) {
                json.put(name + "_max_abs_diff", d);
            } else {
                hidden.put(name, d);
            }
        });
        json.set("hidden_states_max_abs_diff", hidden);
        json.put("pass", r.pass());
        out.println(json.toString());
        out.flush();
        return r.pass() ? 0 : 1;
    }

    /** A PEFT step fixture (base/, adapter/, expected.safetensors): the max diff of each compared quantity. */
    private int lora(PrintWriter out) {
        LoraFixtureParity.Result r = LoraFixtureParity.check(dir);
        ObjectNode json = JSON.createObjectNode();
        json.put("fixture", dir.toString());
        json.put("architecture", r.architecture());
        json.put("lora", r.counts().toString());
        json.put("step_tolerance", LoraFixtureParity.STEP_TOLERANCE);
        json.put("logits_tolerance", LoraFixtureParity.LOGITS_TOLERANCE);
        r.diffs().forEach((name, d) -> json.put(name + "_max_abs_diff", d.maxAbs()));
        json.put("pass", r.pass());
        out.println(json.toString());
        out.flush();
        return r.pass() ? 0 : 1;
    }

    private int tokenization(PrintWriter out) throws IOException {
        Map<String, long[]> want = new LinkedHashMap<>();
        try (BufferedReader in = Files.newBufferedReader(expected, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode row = JSON.readTree(line);
                if (!row.hasNonNull("pairID") || !row.path("input_ids").isArray()) {
                    throw new IllegalArgumentException(
                            expected + " line " + n + ": needs \"pairID\" and \"input_ids\"");
                }
                long[] ids = new long[row.get("input_ids").size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = row.get("input_ids").get(i).asLong();
                }
                want.put(row.get("pairID").asText(), ids);
            }
        }
        PairFile file;
        try (BufferedReader in = Files.newBufferedReader(pairs, StandardCharsets.UTF_8)) {
            file = PairFile.read(in, pairs.toString());
        }
        Map<String, PairFile.Pair> byId = new LinkedHashMap<>();
        file.pairs().forEach(p -> byId.put(p.id(), p));
        List<String> absent =
                want.keySet().stream().filter(id -> !byId.containsKey(id)).toList();
        if (!absent.isEmpty()) {
            throw new IllegalArgumentException(
                    expected + " has " + absent.size() + " pairID(s) that " + pairs + " lacks, e.g. "
                            + absent.subList(0, Math.min(5, absent.size())) + ": the files do not belong together");
        }
        List<PairFile.Pair> checked = want.keySet().stream().map(byId::get).toList();
        int mismatches = 0;
        try (PairTokenizer tok = PairTokenizer.load(tokenizer, maxLength)) {
            List<EncodedPair> encoded = tok.encodeAll(
                    checked.stream().map(PairFile.Pair::premise).toList(),
                    checked.stream().map(PairFile.Pair::hypothesis).toList());
            for (int i = 0; i < checked.size(); i++) {
                String id = checked.get(i).id();
                long[] got = encoded.get(i).inputIds();
                if (!Arrays.equals(got, want.get(id))) {
                    mismatches++;
                    ObjectNode m = JSON.createObjectNode();
                    m.put("pairID", id);
                    m.putPOJO("expected", want.get(id));
                    m.putPOJO("actual", got);
                    out.println(JSON.writeValueAsString(m));
                }
            }
        }
        ObjectNode summary = JSON.createObjectNode();
        summary.put("tokenizer", tokenizer.toString());
        summary.put("max_length", maxLength);
        summary.put("pairs_checked", checked.size());
        summary.put("pairs_unchecked", file.pairs().size() - checked.size());
        summary.put("mismatches", mismatches);
        summary.put("pass", mismatches == 0);
        out.println(summary.toString());
        out.flush();
        return mismatches == 0 ? 0 : 1;
    }
}
