package io.nlistream.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LengthBucketBatcherTest {
    private static int[] lengths(int n) {
        Random r = new Random(7);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = 5 + r.nextInt(120);
        }
        return out;
    }

    private static int[] flatten(List<int[]> batches) {
        return batches.stream().flatMapToInt(Arrays::stream).toArray();
    }

    @Test
    void everyExampleOncePerEpochInBatchesOfTheRightSize() {
        int[] len = lengths(1003);
        List<int[]> batches = new LengthBucketBatcher(32, 42, 8).trainBatches(len, 0);
        assertThat(batches).hasSize(32);
        int[] all = flatten(batches);
        Arrays.sort(all);
        assertThat(all)
                .containsExactly(java.util.stream.IntStream.range(0, 1003).toArray());
        assertThat(batches.stream().filter(b -> b.length != 32).count())
                .isLessThanOrEqualTo(4); // one short batch per pool
    }

    @Test
    void sameSeedAndEpochGiveTheSameBatchesOtherEpochsOrSeedsDiffer() {
        int[] len = lengths(500);
        LengthBucketBatcher a = new LengthBucketBatcher(16, 42, 4);
        assertThat(flatten(a.trainBatches(len, 3)))
                .containsExactly(flatten(new LengthBucketBatcher(16, 42, 4).trainBatches(len, 3)));
        assertThat(flatten(a.trainBatches(len, 4))).isNotEqualTo(flatten(a.trainBatches(len, 3)));
        assertThat(flatten(new LengthBucketBatcher(16, 43, 4).trainBatches(len, 3)))
                .isNotEqualTo(flatten(a.trainBatches(len, 3)));
    }

    @Test
    void lengthGroupingCutsPaddingComparedWithPlainShuffling() {
        int[] len = lengths(2000);
        long grouped = paddedTokens(new LengthBucketBatcher(32, 1, 50).trainBatches(len, 0), len);
        long plain = paddedTokens(new LengthBucketBatcher(32, 1, 1).trainBatches(len, 0), len);
        assertThat(grouped).isLessThan(plain * 7 / 10);
    }

    @Test
    void evalBatchesCoverEverythingSortedByLength() {
        int[] len = lengths(70);
        List<int[]> batches = new LengthBucketBatcher(32, 1, 1).evalBatches(len);
        assertThat(batches).extracting(b -> b.length).containsExactly(32, 32, 6);
        List<Integer> seen = new ArrayList<>();
        for (int i : flatten(batches)) {
            if (!seen.isEmpty()) {
                assertThat(len[i]).isGreaterThanOrEqualTo(len[seen.get(seen.size() - 1)]);
            }
            seen.add(i);
        }
        assertThat(seen).doesNotHaveDuplicates().hasSize(70);
    }

    private static long paddedTokens(List<int[]> batches, int[] len) {
        long sum = 0;
        for (int[] b : batches) {
            sum += (long) b.length * Arrays.stream(b).map(i -> len[i]).max().orElse(0);
        }
        return sum;
    }
}
