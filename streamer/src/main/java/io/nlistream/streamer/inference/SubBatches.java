package io.nlistream.streamer.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Splits a batch into length-sorted sub-batches. Each sub-batch is padded to its own longest pair, so grouping pairs of
 * similar length saves padded positions, while every extra ONNX Runtime call has a fixed cost. With the pairs sorted by
 * length, the cheapest contiguous split under {@code cost = rows * longest + callOverheadTokens} per sub-batch is found
 * exactly by dynamic programming (n is at most the max batch size).
 */
public final class SubBatches {
    private SubBatches() {}

    /** Index lists into {@code lengths}, each sorted by ascending length; together they cover every index once. */
    public static List<int[]> plan(int[] lengths, int callOverheadTokens) {
        int n = lengths.length;
        if (n == 0) {
            return List.of();
        }
        Integer[] boxed = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(boxed, Comparator.comparingInt(i -> lengths[i]));
        int[] order = Arrays.stream(boxed).mapToInt(Integer::intValue).toArray();

        long[] best = new long[n + 1];
        int[] cut = new int[n + 1];
        for (int end = 1; end <= n; end++) {
            best[end] = Long.MAX_VALUE;
            int longest = lengths[order[end - 1]];
            for (int start = 0; start < end; start++) {
                long cost = best[start] + (long) (end - start) * longest + callOverheadTokens;
                if (cost < best[end]) {
                    best[end] = cost;
                    cut[end] = start;
                }
            }
        }
        List<int[]> out = new ArrayList<>();
        for (int end = n; end > 0; end = cut[end]) {
            out.add(0, Arrays.copyOfRange(order, cut[end], end));
        }
        return out;
    }
}
