package io.nlistream.streamer.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubBatchesTest {
    private static final int[] LENGTHS = {40, 12, 128, 12, 41, 127, 13};

    @Test
    void coversEveryPairOnceSortedByLength() {
        List<int[]> plan = SubBatches.plan(LENGTHS, 64);
        int[] all = plan.stream().flatMapToInt(Arrays::stream).toArray();
        assertThat(all).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6);
        int previous = 0;
        for (int i : all) {
            assertThat(LENGTHS[i]).isGreaterThanOrEqualTo(previous);
            previous = LENGTHS[i];
        }
    }

    @Test
    void groupsSimilarLengthsWhenACallIsCheapAndKeepsOneCallWhenItIsDear() {
        List<int[]> cheap = SubBatches.plan(LENGTHS, 16);
        assertThat(cheap).extracting(sub -> sub.length).containsExactly(3, 2, 2); // ~12, ~40, ~128
        assertThat(SubBatches.plan(LENGTHS, 100_000)).hasSize(1);
        assertThat(SubBatches.plan(new int[0], 16)).isEmpty();
    }
}
