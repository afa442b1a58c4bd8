package io.nlistream.trainer.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The profile table: time goes to the outermost operation, and the backward starts at the first autograd node. */
class EngineProfileTest {
    @TempDir
    Path tmp;

    private Path trace(String... events) throws Exception {
        Path trace = tmp.resolve("trace.json");
        Files.writeString(trace, "[" + String.join(",\n", events) + "]");
        return trace;
    }

    private static String event(String name, double ts, double dur) {
        return "{\"name\": \"" + name + "\", \"ph\": \"X\", \"ts\": " + ts + ", \"dur\": " + dur
                + ", \"tid\": 1, \"pid\": \"CPU Functions\"}";
    }

    @Test
    void attributesNestedOperationsToTheOutermostOneByPhase() throws Exception {
        Path trace = trace(
                event("aten::dropout", 0, 3000),
                event("aten::bernoulli_", 100, 2000), // inside dropout
                event("aten::matmul", 4000, 5000),
                event("aten::mm", 4100, 4800),
                event("aten::dropout", 10000, 1000),
                event("autograd::engine::evaluate_function: MmBackward0", 20000, 6000),
                event("aten::mm", 20100, 5000),
                "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": \"CPU Functions\"}");
        List<EngineProfile.Row> rows = EngineProfile.summarize(trace);
        assertThat(rows)
                .containsExactly(
                        new EngineProfile.Row("forward", "aten::matmul", 1, 5.0),
                        new EngineProfile.Row("forward", "aten::dropout", 2, 4.0),
                        new EngineProfile.Row("backward", "MmBackward0", 1, 6.0));
    }

    @Test
    void ratesEachProductShapeFromItsRecordedInputs() throws Exception {
        Path trace = trace(
                product("aten::addmm", "[[768], [4096, 768], [768, 768], [], []]", 0, 20000),
                product("aten::addmm", "[[768], [4096, 768], [768, 768], [], []]", 30000, 28000),
                product("aten::bmm", "[[384, 128, 64], [384, 64, 128]]", 60000, 10000),
                product("aten::mm", "[[4096, 768], [768, 8]]", 80000, 5000),
                product("aten::add", "[[4096, 768], [4096, 768], []]", 90000, 4000));
        List<EngineProfile.Product> rows = EngineProfile.products(trace);
        assertThat(rows).extracting(EngineProfile.Product::op).containsExactly("aten::addmm", "aten::bmm", "aten::mm");
        EngineProfile.Product linear = rows.get(0);
        assertThat(linear.calls()).isEqualTo(2);
        assertThat(linear.ms()).isEqualTo(48.0);
        // 2 calls x 2 x 4096 x 768 x 768 in 48 ms
        assertThat(linear.gflops()).isCloseTo(2 * 2.0 * 4096 * 768 * 768 / 48e6, within(1e-6));
        assertThat(rows.get(1).gflops()).isCloseTo(2.0 * 384 * 128 * 64 * 128 / 10e6, within(1e-6));
        assertThat(rows.get(2).gflops()).isCloseTo(2.0 * 4096 * 768 * 8 / 5e6, within(1e-6));
    }

    private static String product(String name, String shape, double ts, double dur) {
        return "{\"name\": \"" + name + "\", \"ph\": \"X\", \"ts\": " + ts + ", \"dur\": " + dur
                + ", \"tid\": 1, \"pid\": \"CPU Functions\", \"shape\": " + shape + "}";
    }
}
