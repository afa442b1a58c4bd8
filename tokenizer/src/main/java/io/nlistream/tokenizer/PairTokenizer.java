package io.nlistream.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Tokenizes premise/hypothesis pairs exactly as the Hugging Face fast tokenizer does for sequence classification
 * ({@code tokenizer(premise, hypothesis, truncation=..., max_length=...)}): the pair template of
 * {@code tokenizer.json}, truncation to the max length as tokenizers 0.23 does it ({@link PairTruncation}), and
 * padding with the model's real pad id ({@link PadToken}). Trainer and streamer both use
 * this class so a bundle tokenizes identically in both halves.
 *
 * <p>Pairs are encoded through DJL's low-level JNI calls rather than {@code HuggingFaceTokenizer.encode}: DJL's
 * {@code Encoding} also fetches the tokens, char spans and masks (strings and objects built across JNI) that we drop,
 * about 40 % of a pair's encoding time. We fetch only what {@link PairTruncation} needs and free
 * each native encoding ourselves, as DJL's {@code toEncoding} does.
 *
 * <p>Thread-safe: after {@link #load} configured it (no truncation, no padding) the native tokenizer is only read
 * (the Rust {@code Tokenizer}'s encode methods take {@code &self}), and each call owns the native encodings it
 * creates and frees them before returning. {@link #close()} must not race with calls still encoding (as with DJL's own
 * tokenizer); calls after it fail with DJL's {@link IllegalStateException}.
 */
public final class PairTokenizer implements AutoCloseable {
    public static final String TOKENIZER_FILE = "tokenizer.json";

    private static final TokenizersLibrary LIB = TokenizersLibrary.LIB;
    private static final boolean ADD_SPECIAL_TOKENS = true;

    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;
    private final Truncation truncation;
    private final int padId;

    private PairTokenizer(HuggingFaceTokenizer tokenizer, int maxLength, Truncation truncation, int padId) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        this.truncation = truncation;
        this.padId = padId;
    }

    /** A model or bundle directory with {@code tokenizer.json}; longest_first truncation, pad id from its files. */
    public static PairTokenizer load(Path dir, int maxLength) {
        return load(dir, maxLength, Truncation.LONGEST_FIRST, null);
    }

    /**
     * @param padIdOverride the pad id to use, or null to read it from the tokenizer files ({@link PadToken#resolve})
     */
    public static PairTokenizer load(Path dir, int maxLength, Truncation truncation, Integer padIdOverride) {
        Path file = Files.isDirectory(dir) ? dir.resolve(TOKENIZER_FILE) : dir;
        Path home = Files.isDirectory(dir) ? dir : dir.toAbsolutePath().getParent();
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(dir + " has no " + TOKENIZER_FILE
                    + ": a fast (Rust) tokenizer file is needed; save one with tokenizer.save_pretrained(...) in"
                    + " transformers, or use the model's Hugging Face repository, which ships it");
        }
        if (maxLength < 4) {
            throw new IllegalArgumentException(
                    "max length " + maxLength + " is too small for a pair with special tokens");
        }
        int padId = padIdOverride != null ? padIdOverride : PadToken.resolve(home, file);
        // Truncation is ours (see PairTruncation): the native tokenizer encodes whole pairs (special tokens are asked
        // for per call, ADD_SPECIAL_TOKENS).
        HuggingFaceTokenizer.Builder builder = HuggingFaceTokenizer.builder()
                .optTokenizerPath(file)
                .optPadding(false)
                .optTruncation(false);
        try {
            return new PairTokenizer(builder.build(), maxLength, truncation, padId);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load tokenizer " + file, e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot load tokenizer " + file + ": " + e.getMessage(), e);
        }
    }

    public EncodedPair encode(String premise, String hypothesis) {
        requireText(premise, hypothesis);
        // On a native error encodeDual throws and returns no encoding, so there is nothing to free.
        long encoding = LIB.encodeDual(tokenizer.getHandle(), premise, hypothesis, ADD_SPECIAL_TOKENS);
        try {
            return toPair(encoding);
        } finally {
            LIB.deleteEncoding(encoding);
        }
    }

    /** Encodes many pairs in one native call (the Rust tokenizer parallelises it). */
    public List<EncodedPair> encodeAll(List<String> premises, List<String> hypotheses) {
        if (premises.size() != hypotheses.size()) {
            throw new IllegalArgumentException(premises.size() + " premises but " + hypotheses.size() + " hypotheses");
        }
        if (premises.isEmpty()) {
            return List.of();
        }
        String[] first = premises.toArray(new String[0]);
        String[] second = hypotheses.toArray(new String[0]);
        for (int i = 0; i < first.length; i++) {
            requireText(first[i], second[i]);
        }
        // One handle per pair, each its own native encoding that DJL frees one by one: so do we, all of them even when
        // truncating one fails (only_first / only_second on a pair that cannot fit).
        long[] encodings = LIB.batchEncodePair(tokenizer.getHandle(), first, second, ADD_SPECIAL_TOKENS);
        try {
            List<EncodedPair> out = new ArrayList<>(encodings.length);
            for (long e : encodings) {
                out.add(toPair(e));
            }
            return out;
        } finally {
            for (long e : encodings) {
                LIB.deleteEncoding(e);
            }
        }
    }

    /** Pads to the longest pair of the batch (dynamic padding) with the model's pad id. */
    public PaddedBatch pad(List<EncodedPair> pairs) {
        return pad(pairs, 0);
    }

    /** Pads to {@code max(longest, minLength)}: {@code minLength = maxLength()} reproduces fixed-length padding. */
    public PaddedBatch pad(List<EncodedPair> pairs, int minLength) {
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("cannot pad an empty batch");
        }
        int len = minLength;
        for (EncodedPair p : pairs) {
            len = Math.max(len, p.length());
        }
        int n = pairs.size();
        long[] ids = new long[n * len];
        long[] mask = new long[n * len];
        long[] types = new long[n * len];
        int[] lengths = new int[n];
        Arrays.fill(ids, padId);
        for (int i = 0; i < n; i++) {
            EncodedPair p = pairs.get(i);
            System.arraycopy(p.inputIds(), 0, ids, i * len, p.length());
            System.arraycopy(p.typeIds(), 0, types, i * len, p.length());
            Arrays.fill(mask, i * len, i * len + p.length(), 1L);
            lengths[i] = p.length();
        }
        return new PaddedBatch(n, len, ids, mask, types, lengths);
    }

    public int maxLength() {
        return maxLength;
    }

    public Truncation truncation() {
        return truncation;
    }

    public int padId() {
        return padId;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    /**
     * Sequence and word ids only matter when the pair must be truncated, so they are fetched only then: each fetch is a
     * JNI call that allocates and fills a Java array, and most pairs fit (XNLI-fr dev at 128: all but a few).
     */
    private EncodedPair toPair(long encoding) {
        long[] ids = LIB.getTokenIds(encoding);
        long[] typeIds = LIB.getTypeIds(encoding);
        if (ids.length <= maxLength) {
            return new EncodedPair(ids, typeIds, false);
        }
        return PairTruncation.apply(
                ids, typeIds, LIB.getSequenceIds(encoding), LIB.getWordIds(encoding), maxLength, truncation);
    }

    /** The native side reads the strings without a null check: a null would be a Rust panic, not an exception. */
    private static void requireText(String premise, String hypothesis) {
        Objects.requireNonNull(premise, "premise");
        Objects.requireNonNull(hypothesis, "hypothesis");
    }
}
