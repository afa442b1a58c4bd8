package io.nlistream.trainer.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The profile table: time goes to the outermost operation, and the backward starts at the first autograd node. */
class EngineProfileTest {
    @TempDir
    Path tmp;

    private static String event(String name, double ts, double dur) {
        return "{\"name\": \"" + name + "\", \"ph\": \"X\", \"ts\": " + ts + ", \"dur\": " + dur
                + ", \"tid\": 1, \"pid\": \"CPU Functions\"}";
    }

    @Test
    void attributesNestedOperationsToTheOutermostOneByPhase() throws Exception {
        Path trace = tmp.resolve("trace.json");
        Files.writeString(
                trace,
                "["
                        + String.join(
                                ",\n",
                                event("aten::dropout", 0, 3000),
                                event("aten::bernoulli_", 100, 2000), // inside dropout
                                event("aten::matmul", 4000, 5000),
                                event("aten::mm", 4100, 4800),
                                event("aten::dropout", 10000, 1000),
                                event("autograd::engine::evaluate_function: MmBackward0", 20000, 6000),
                                event("aten::mm", 20100, 5000),
                                "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": \"CPU Functions\"}")
                        + "]");
        List<EngineProfile.Row> rows = EngineProfile.summarize(trace);
        assertThat(rows)
                .containsExactly(
                        new EngineProfile.Row("forward", "aten::matmul", 1, 5.0),
                        new EngineProfile.Row("forward", "aten::dropout", 2, 4.0),
                        new EngineProfile.Row("backward", "MmBackward0", 1, 6.0));
    }
}
