package io.nlistream.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PairTruncationTest {
    @Test
    void longestFirstKeepsTheShorterWhenTheLongerCanTakeTheRest() {
        assertThat(PairTruncation.longestFirst(5, 30, 21)).containsExactly(5, 16);
        assertThat(PairTruncation.longestFirst(30, 5, 21)).containsExactly(16, 5);
    }

    @Test
    void longestFirstHalvesWhenBothAreLong() {
        assertThat(PairTruncation.longestFirst(30, 40, 21)).containsExactly(10, 11);
        assertThat(PairTruncation.longestFirst(40, 30, 21)).containsExactly(11, 10);
        assertThat(PairTruncation.longestFirst(12, 13, 20)).containsExactly(10, 10);
    }

    @Test
    void capStopsAtTheFirstWordBoundaryAtOrAfterMaxLength() {
        // [CLS] a a b b b c [SEP] x [SEP]: premise words a(2) b(3) c(1), hypothesis one token.
        long[] seq = {-1, 0, 0, 0, 0, 0, 0, -1, 1, -1};
        long[] words = {-1, 0, 0, 1, 1, 1, 2, -1, 0, -1};
        assertThat(PairTruncation.capped(seq, words, 0, 6, 3)).isEqualTo(5); // word b crosses 3: kept whole
        assertThat(PairTruncation.capped(seq, words, 0, 6, 2)).isEqualTo(2); // word a ends exactly at 2
        assertThat(PairTruncation.capped(seq, words, 0, 6, 6)).isEqualTo(6);
    }

    @Test
    void cappedLengthsDecideTheSplit() {
        // premise: 30 one-token words; hypothesis: 28 tokens in words of 2 except one word of 4 crossing position 24.
        int n1 = 30;
        int n2 = 28;
        long[] seq = new long[3 + n1 + n2];
        long[] words = new long[seq.length];
        long[] ids = new long[seq.length];
        int k = 0;
        seq[k] = -1;
        words[k++] = -1;
        for (int i = 0; i < n1; i++) {
            seq[k] = 0;
            ids[k] = 100 + i;
            words[k++] = i;
        }
        seq[k] = -1;
        words[k++] = -1;
        int[] hypWordOf = new int[n2];
        for (int i = 0, w = 0; i < n2; ) {
            int size = i == 22 ? 4 : 2;
            for (int t = 0; t < size && i < n2; t++) {
                hypWordOf[i++] = w;
            }
            w++;
        }
        for (int i = 0; i < n2; i++) {
            seq[k] = 1;
            ids[k] = 200 + i;
            words[k++] = hypWordOf[i];
        }
        seq[k] = -1;
        words[k] = -1;
        // Capped at max length 24: premise 24, hypothesis 26 (its word 22..25 crosses 24). The premise is then the
        // shorter side, so it gets the smaller half, the opposite of the split on full lengths (hypothesis shorter).
        EncodedPair e = PairTruncation.apply(ids, new long[ids.length], seq, words, 24, Truncation.LONGEST_FIRST);
        assertThat(e.length()).isEqualTo(24);
        assertThat(e.truncated()).isTrue();
        long premiseKept = java.util.Arrays.stream(e.inputIds())
                .filter(id -> id >= 100 && id < 200)
                .count();
        long hypothesisKept =
                java.util.Arrays.stream(e.inputIds()).filter(id -> id >= 200).count();
        assertThat(premiseKept).isEqualTo(10);
        assertThat(hypothesisKept).isEqualTo(11);
    }

    @Test
    void onlyFirstTruncatesThePremiseOrSaysWhyItCannot() {
        long[] seq = {-1, 0, 0, 0, 0, -1, 1, 1, -1};
        long[] words = {-1, 0, 1, 2, 3, -1, 0, 1, -1};
        long[] ids = {1, 10, 11, 12, 13, 2, 20, 21, 2};
        EncodedPair e = PairTruncation.apply(ids, new long[ids.length], seq, words, 7, Truncation.ONLY_FIRST);
        assertThat(e.inputIds()).containsExactly(1, 10, 11, 2, 20, 21, 2);
        assertThatThrownBy(() -> PairTruncation.apply(ids, new long[ids.length], seq, words, 4, Truncation.ONLY_FIRST))
                .hasMessageContaining("only_first");
    }
}
