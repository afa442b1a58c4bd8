package io.nlistream.trainer.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Splits a dataset into batches of example indices. Training batches are shuffled per epoch from a seed, then grouped
 * by length inside pools of {@code poolBatches} batches so that dynamic padding wastes little, and the batch order is
 * shuffled again: batches stay random while their members have similar lengths. The same seed and epoch give the same
 * batches on any machine ({@link Random} is specified bit for bit), which is what makes {@code --resume} exact.
 */
public final class LengthBucketBatcher {
    private final int batchSize;
    private final long seed;
    private final int poolBatches;

    /**
     * @param poolBatches how many batches are sorted by length together; 1 turns length grouping off (plain shuffling)
     */
    public LengthBucketBatcher(int batchSize, long seed, int poolBatches) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (poolBatches < 1) {
            throw new IllegalArgumentException("pool size must be at least 1 batch, got " + poolBatches);
        }
        this.batchSize = batchSize;
        this.seed = seed;
        this.poolBatches = poolBatches;
    }

    /** The training batches of one epoch (0-based); the last batch may be smaller. */
    public List<int[]> trainBatches(int[] lengths, int epoch) {
        Random random = new Random(seed * 1_000_003L + epoch);
        List<Integer> order =
                new ArrayList<>(IntStream.range(0, lengths.length).boxed().toList());
        Collections.shuffle(order, random);
        List<int[]> batches = new ArrayList<>();
        int pool = batchSize * poolBatches;
        for (int start = 0; start < order.size(); start += pool) {
            List<Integer> chunk = new ArrayList<>(order.subList(start, Math.min(order.size(), start + pool)));
            chunk.sort(Comparator.comparingInt(i -> lengths[i])); // stable: ties keep their shuffled order
            batches.addAll(cut(chunk));
        }
        Collections.shuffle(batches, random);
        return batches;
    }

    /** Evaluation batches: every example once, grouped by length; callers map results back by index. */
    public List<int[]> evalBatches(int[] lengths) {
        List<Integer> order =
                new ArrayList<>(IntStream.range(0, lengths.length).boxed().toList());
        order.sort(Comparator.comparingInt(i -> lengths[i]));
        return cut(order);
    }

    public int batchCount(int examples) {
        return (examples + batchSize - 1) / batchSize;
    }

    private List<int[]> cut(List<Integer> indices) {
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s < indices.size(); s += batchSize) {
            out.add(indices.subList(s, Math.min(indices.size(), s + batchSize)).stream()
                    .mapToInt(Integer::intValue)
                    .toArray());
        }
        return out;
    }
}
