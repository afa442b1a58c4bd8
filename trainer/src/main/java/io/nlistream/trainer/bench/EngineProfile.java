package io.nlistream.trainer.bench;

import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a step's time goes, by the engine's own profiler (libtorch's autograd profiler through DJL): a Chrome trace
 * file and a table of the outermost operations of each phase, i.e. what the model called (aten::linear,
 * aten::dropout, aten::gather, ...) in the forward pass and which autograd nodes ran in the backward pass. Outermost,
 * not leaf, operations: the share of dropout includes its mask's generation, that of linear its bias addition.
 */
public final class EngineProfile {
    private EngineProfile() {}

    /** One row: an operation of a phase, its calls and its time. */
    public record Row(String phase, String op, int calls, double ms) {}

    /** One matrix product's shape: its calls, time and rate. */
    public record Product(String op, String shapes, int calls, double ms, double gflops) {}

    /** Starts profiling, with input shapes (for {@link #products}). */
    public static void start() {
        JniUtils.startProfile(false, true, false);
    }

    /** Stops profiling and writes the trace (chrome://tracing or Perfetto) to {@code trace}. */
    public static void stop(Path trace) {
        JniUtils.stopProfile(trace.toString());
    }

    /**
     * The outermost operations of a trace by phase ("forward" until the first autograd node, then "backward",
     * which includes the optimizer's engine calls), longest first.
     */
    public static List<Row> summarize(Path trace) throws IOException {
        List<JsonNode> events = new ArrayList<>();
        for (JsonNode e : new ObjectMapper().readTree(trace.toFile())) {
            if ("X".equals(e.path("ph").asText())) {
                events.add(e);
            }
        }
        events.sort(Comparator.comparingLong((JsonNode e) -> e.path("tid").asLong())
                .thenComparingDouble(e -> e.path("ts").asDouble())
                .thenComparingDouble(e -> -e.path("dur").asDouble()));
        double backwardStart = events.stream()
                .filter(e -> e.path("name").asText().startsWith("autograd::engine::evaluate_function"))
                .mapToDouble(e -> e.path("ts").asDouble())
                .min()
                .orElse(Double.MAX_VALUE);
        Map<String, double[]> byOp = new LinkedHashMap<>();
        long tid = Long.MIN_VALUE;
        double openUntil = -1; // end of the outermost event now open on this thread
        for (JsonNode e : events) {
            double ts = e.path("ts").asDouble();
            double dur = e.path("dur").asDouble();
            if (e.path("tid").asLong() != tid) {
                tid = e.path("tid").asLong();
                openUntil = -1;
            }
            if (ts < openUntil) {
                continue; // nested inside an outermost event
            }
            openUntil = ts + dur;
            String phase = ts >= backwardStart ? "backward" : "forward";
            String op = e.path("name").asText().replace("autograd::engine::evaluate_function: ", "");
            double[] acc = byOp.computeIfAbsent(phase + "\t" + op, k -> new double[2]);
            acc[0]++;
            acc[1] += dur / 1000;
        }
        List<Row> rows = new ArrayList<>();
        byOp.forEach((k, v) -> rows.add(new Row(k.split("\t")[0], k.split("\t")[1], (int) v[0], v[1])));
        rows.sort(Comparator.comparing(Row::phase).reversed().thenComparing(r -> -r.ms()));
        return rows;
    }

    /**
     * Every matrix product of a trace (aten::mm, addmm, bmm, wherever they are nested: the forward's and the
     * backward's) by operation and input shapes, longest first, with the rate each ran at: which products fall short
     * of the machine's sgemm rate, and by how much time.
     */
    public static List<Product> products(Path trace) throws IOException {
        Map<String, double[]> byShape = new LinkedHashMap<>();
        for (JsonNode e : new ObjectMapper().readTree(trace.toFile())) {
            String op = e.path("name").asText();
            JsonNode shape = e.path("shape");
            double flop = flop(op, shape);
            if (!"X".equals(e.path("ph").asText()) || flop <= 0) {
                continue;
            }
            double[] acc = byShape.computeIfAbsent(op + "\t" + shape, k -> new double[3]);
            acc[0]++;
            acc[1] += e.path("dur").asDouble() / 1000;
            acc[2] += flop;
        }
        List<Product> rows = new ArrayList<>();
        byShape.forEach((k, v) -> {
            String[] parts = k.split("\t");
            rows.add(new Product(parts[0], parts[1], (int) v[0], v[1], v[2] / (v[1] * 1e6)));
        });
        rows.sort(Comparator.comparingDouble((Product r) -> -r.ms()));
        return rows;
    }

    /** 2·m·k·n (times the batch for bmm) from the recorded input shapes, or 0 for any other operation. */
    private static double flop(String op, JsonNode shape) {
        int first = switch (op) {
            case "aten::mm", "aten::bmm" -> 0;
            case "aten::addmm" -> 1; // (bias, a, b, beta, alpha)
            default -> -1;
        };
        if (first < 0 || shape.size() < first + 2) {
            return 0;
        }
        JsonNode a = shape.get(first);
        JsonNode b = shape.get(first + 1);
        int d = a.size();
        if (d < 2 || b.size() != d) {
            return 0;
        }
        double batch = d == 3 ? a.get(0).asDouble() : 1;
        return 2
                * batch
                * a.get(d - 2).asDouble()
                * a.get(d - 1).asDouble()
                * b.get(d - 1).asDouble();
    }

    /** Prints the {@code top} products by time, with their rate and their share of all products' time. */
    public static void printProducts(List<Product> rows, int top, PrintStream out) {
        double total = rows.stream().mapToDouble(Product::ms).sum();
        out.printf(Locale.ROOT, "matrix products (forward and backward): %.0f ms%n", total);
        rows.stream()
                .limit(top)
                .forEach(r -> out.printf(
                        Locale.ROOT,
                        "  %-11s %-44s %5d calls %7.0f ms %5.1f %% %6.0f GFLOP/s%n",
                        r.op(),
                        r.shapes(),
                        r.calls(),
                        r.ms(),
                        100 * r.ms() / total,
                        r.gflops()));
    }

    /** Prints each phase's {@code top} operations with their share of the phase. */
    public static void print(List<Row> rows, int top, PrintStream out) {
        for (String phase : List.of("forward", "backward")) {
            List<Row> of = rows.stream().filter(r -> r.phase().equals(phase)).toList();
            double total = of.stream().mapToDouble(Row::ms).sum();
            out.printf(Locale.ROOT, "%s: %.0f ms in engine operations%n", phase, total);
            of.stream()
                    .limit(top)
                    .forEach(r -> out.printf(
                            Locale.ROOT,
                            "  %-40s %6d calls %9.0f ms %5.1f %%%n",
                            r.op(),
                            r.calls(),
                            r.ms(),
                            100 * r.ms() / total));
        }
    }
}
