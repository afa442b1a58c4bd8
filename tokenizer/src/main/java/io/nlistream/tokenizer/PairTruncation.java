package io.nlistream.tokenizer;

import java.util.Arrays;

/**
 * Truncates an encoded pair (special tokens included) to the max length the way the reference tokenizers library
 * (0.23) does, which the native library DJL bundles (0.21) does not quite reproduce.
 *
 * <p>Since tokenizers 0.23, encoding a sequence under right truncation stops after the first pre-tokenized word at
 * which the sequence has reached {@code maxLength} tokens ("early exit"). {@code longest_first} then splits the budget
 * on those capped lengths, so when one side is capped the split can differ from the one on full lengths (5 of the first
 * 200 XNLI-fr dev pairs at max length 24). The kept tokens are always a prefix of each sequence, so applying the capped
 * split to the full encoding gives the reference ids.
 */
final class PairTruncation {
    private PairTruncation() {}

    /**
     * @param sequenceIds per token: 0 premise, 1 hypothesis, -1 (or anything else) special token
     * @param wordIds per token: the pre-tokenized word index within its sequence, -1 for special tokens
     */
    static EncodedPair apply(
            long[] ids, long[] typeIds, long[] sequenceIds, long[] wordIds, int maxLength, Truncation strategy) {
        if (ids.length <= maxLength) {
            return new EncodedPair(ids, typeIds, false);
        }
        int n1 = count(sequenceIds, 0);
        int n2 = count(sequenceIds, 1);
        int specials = ids.length - n1 - n2;
        int budget = maxLength - specials;
        if (budget < 0) {
            throw new IllegalArgumentException(
                    "max length " + maxLength + " leaves no room for the " + specials + " special tokens of a pair");
        }
        int keep1;
        int keep2;
        switch (strategy) {
            case ONLY_FIRST -> {
                keep1 = requireRoom(budget - n2, "premise", "only_first");
                keep2 = n2;
            }
            case ONLY_SECOND -> {
                keep1 = n1;
                keep2 = requireRoom(budget - n1, "hypothesis", "only_second");
            }
            default -> {
                int[] split = longestFirst(
                        capped(sequenceIds, wordIds, 0, n1, maxLength),
                        capped(sequenceIds, wordIds, 1, n2, maxLength),
                        budget);
                keep1 = Math.min(n1, split[0]);
                keep2 = Math.min(n2, split[1]);
            }
        }
        long[] outIds = new long[specials + keep1 + keep2];
        long[] outTypes = new long[outIds.length];
        int seen1 = 0;
        int seen2 = 0;
        int j = 0;
        for (int i = 0; i < ids.length; i++) {
            boolean keep = switch ((int) sequenceIds[i]) {
                case 0 -> seen1++ < keep1;
                case 1 -> seen2++ < keep2;
                default -> true;
            };
            if (keep) {
                outIds[j] = ids[i];
                outTypes[j] = typeIds[i];
                j++;
            }
        }
        return new EncodedPair(Arrays.copyOf(outIds, j), Arrays.copyOf(outTypes, j), keep1 < n1 || keep2 < n2);
    }

    /**
     * The sequence's length as tokenizers 0.23 encodes it: whole words until {@code maxLength} tokens are reached.
     */
    static int capped(long[] sequenceIds, long[] wordIds, int sequence, int length, int maxLength) {
        if (length <= maxLength) {
            return length;
        }
        int index = 0;
        long lastWord = Long.MIN_VALUE;
        for (int i = 0; i < sequenceIds.length; i++) {
            if (sequenceIds[i] != sequence) {
                continue;
            }
            if (index >= maxLength && wordIds[i] != lastWord) {
                return index;
            }
            lastWord = wordIds[i];
            index++;
        }
        return index;
    }

    /**
     * Hugging Face's longest_first split of {@code budget} tokens between sequences of lengths n1 and n2: the shorter
     * keeps its length when the longer can take the rest, else both get half.
     */
    static int[] longestFirst(int n1, int n2, int budget) {
        boolean swap = n1 > n2;
        int shorter = swap ? n2 : n1;
        int longer;
        if (shorter > budget) {
            longer = shorter;
        } else {
            longer = Math.max(shorter, budget - shorter);
        }
        if (shorter + longer > budget) {
            shorter = budget / 2;
            longer = shorter + budget % 2;
        }
        return swap ? new int[] {longer, shorter} : new int[] {shorter, longer};
    }

    private static int count(long[] sequenceIds, int sequence) {
        int n = 0;
        for (long s : sequenceIds) {
            if (s == sequence) {
                n++;
            }
        }
        return n;
    }

    private static int requireRoom(int room, String side, String strategy) {
        if (room < 0) {
            throw new IllegalArgumentException("the pair cannot be truncated to the max length with " + strategy
                    + ": the other sequence alone is too long; use longest_first or a larger max length");
        }
        return room;
    }
}
