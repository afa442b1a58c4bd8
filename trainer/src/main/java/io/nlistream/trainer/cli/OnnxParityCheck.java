package io.nlistream.trainer.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlistream.schemas.Json;
import io.nlistream.trainer.bundle.BundleWriter;
import io.nlistream.trainer.bundle.ExportCheckFailed;
import io.nlistream.trainer.bundle.SamplePairs;
import io.nlistream.trainer.onnx.Precision;
import io.nlistream.trainer.parity.FixtureExpected;
import io.nlistream.trainer.parity.OnnxParity;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.stream.Stream;

/**
 * {@code parity --onnx DIR}: exports a parity fixture's model to a temporary bundle and checks the bundle's model.onnx
 * in ONNX Runtime against the fixture's expected.safetensors. Prints one JSON object; exit 1 over tolerance, 2 on bad
 * input.
 */
final class OnnxParityCheck {
    private OnnxParityCheck() {}

    static int run(Path dir, PrintWriter out) throws IOException {
        ObjectNode json = Json.mapper().createObjectNode().put("fixture", dir.toString());
        try {
            Path expected = dir.resolve("expected.safetensors");
            OnnxParity.Result r = OnnxParity.check(dir);
            String checked = "in-memory export";
            if (r.pass() && Files.isRegularFile(dir.resolve("tokenizer.json"))) {
                Path tmp = Files.createTempDirectory("nli-onnx-parity");
                try {
                    Path bundle = tmp.resolve("bundle");
                    ByteArrayOutputStream log = new ByteArrayOutputStream();
                    new BundleWriter(new PrintStream(log, true, StandardCharsets.UTF_8))
                            .write(new BundleWriter.Request(
                                    dir,
                                    null,
                                    bundle,
                                    "parity",
                                    "0",
                                    dir.toString(),
                                    128,
                                    EnumSet.noneOf(Precision.class),
                                    SamplePairs.load(null, 16),
                                    null,
                                    null,
                                    null,
                                    null,
                                    false,
                                    null));
                    r = OnnxParity.compare(
                            Files.readAllBytes(bundle.resolve(Precision.FP32.fileName())),
                            FixtureExpected.read(expected, "logits", "probabilities"));
                    checked = "bundle model.onnx (written and verified)";
                } finally {
                    try (Stream<Path> walk = Files.walk(tmp)) {
                        walk.sorted(Comparator.reverseOrder())
                                .forEach(p -> p.toFile().delete());
                    }
                }
            }
            json.put("checked", checked)
                    .put("rows", r.rows())
                    .put("sequence_length", r.length())
                    .put("logits_max_abs_diff", r.logitsMaxAbsDiff())
                    .put("probabilities_max_abs_diff", r.probabilitiesMaxAbsDiff())
                    .put("tolerance", OnnxParity.TOLERANCE)
                    .put("pass", r.pass());
            out.println(Json.mapper().writeValueAsString(json));
            out.flush();
            return r.pass() ? 0 : 1;
        } catch (ExportCheckFailed e) {
            json.put("error", e.getMessage()).put("pass", false);
            out.println(Json.mapper().writeValueAsString(json));
            out.flush();
            return 1;
        } catch (IllegalArgumentException | io.nlistream.trainer.checkpoint.CheckpointException e) {
            json.put("error", e.getMessage()).put("pass", false);
            out.println(Json.mapper().writeValueAsString(json));
            out.flush();
            return 2;
        }
    }
}
