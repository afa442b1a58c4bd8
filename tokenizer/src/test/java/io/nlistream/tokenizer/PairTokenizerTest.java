package io.nlistream.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PairTokenizerTest {
    static final Path FIXTURES = Path.of(System.getProperty("nli.fixtures.dir", "../fixtures"));

    /** The reference fast tokenizer's encodings of 10 pairs (accents, ligatures, quotes, emoji, an empty premise). */
    @ParameterizedTest
    @ValueSource(strings = {"tokenizer-deberta", "tokenizer-camembert"})
    void matchesReferenceEncodings(String fixture) throws Exception {
        JsonNode cases = new ObjectMapper()
                .readTree(FIXTURES.resolve(fixture)
                        .resolve("expected_encodings.json")
                        .toFile())
                .get("cases");
        assertThat(cases.size()).isGreaterThanOrEqualTo(10);
        for (JsonNode c : cases) {
            int maxLength =
                    c.get("max_length").isNull() ? 512 : c.get("max_length").asInt();
            try (PairTokenizer tok = PairTokenizer.load(FIXTURES.resolve(fixture), maxLength)) {
                EncodedPair e = tok.encode(
                        c.get("premise").asText(), c.get("hypothesis").asText());
                String what = fixture + " max_length=" + c.get("max_length") + " premise=" + c.get("premise");
                assertThat(e.inputIds()).as(what).containsExactly(longs(c.get("ids")));
                assertThat(e.typeIds()).as(what).containsExactly(longs(c.get("type_ids")));
                if (!c.get("max_length").isNull()) {
                    int full = fullLength(fixture, c);
                    assertThat(e.truncated()).as(what).isEqualTo(full > maxLength);
                } else {
                    assertThat(e.truncated()).as(what).isFalse();
                }
            }
        }
    }

    /**
     * The two native paths (one pair, a batch) give the same ids, type ids and flag, truncated pairs included, within
     * the max length.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tokenizer-deberta", "tokenizer-camembert"})
    void encodeAndEncodeAllAgreeIncludingTruncatedPairs(String fixture) throws Exception {
        List<String> premises = new ArrayList<>();
        List<String> hypotheses = new ArrayList<>();
        new ObjectMapper()
                .readTree(FIXTURES.resolve(fixture)
                        .resolve("expected_encodings.json")
                        .toFile())
                .get("cases")
                .forEach(c -> {
                    premises.add(c.get("premise").asText());
                    hypotheses.add(c.get("hypothesis").asText());
                });
        try (PairTokenizer tok = PairTokenizer.load(FIXTURES.resolve(fixture), 24)) {
            List<EncodedPair> batch = tok.encodeAll(premises, hypotheses);
            assertThat(batch).hasSize(premises.size());
            assertThat(batch).anyMatch(EncodedPair::truncated).anyMatch(p -> !p.truncated());
            assertThat(batch).allSatisfy(p -> assertThat(p.length()).isLessThanOrEqualTo(24));
            for (int i = 0; i < premises.size(); i++) {
                EncodedPair one = tok.encode(premises.get(i), hypotheses.get(i));
                assertThat(batch.get(i).inputIds()).as("pair %d", i).containsExactly(one.inputIds());
                assertThat(batch.get(i).typeIds()).as("pair %d", i).containsExactly(one.typeIds());
                assertThat(batch.get(i).truncated()).as("pair %d", i).isEqualTo(one.truncated());
            }
        }
    }

    @Test
    void aPairThatCannotBeTruncatedFailsTheBatchAndTheTokenizerGoesOn() {
        String longHypothesis = "Une hypothèse bien trop longue pour la longueur maximale choisie ici.";
        try (PairTokenizer tok =
                PairTokenizer.load(FIXTURES.resolve("tokenizer-camembert"), 16, Truncation.ONLY_FIRST, null)) {
            assertThatThrownBy(() -> tok.encodeAll(List.of("Court.", "Court."), List.of("Court.", longHypothesis)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("only_first");
            assertThat(tok.encodeAll(List.of("Court."), List.of("Court.")))
                    .singleElement()
                    .satisfies(p -> assertThat(p.inputIds())
                            .containsExactly(tok.encode("Court.", "Court.").inputIds()));
        }
    }

    /** The native library reads the strings unchecked: a null must be refused before it, not abort the JVM. */
    @Test
    void nullTextIsRefusedBeforeTheNativeCall() {
        try (PairTokenizer tok = PairTokenizer.load(FIXTURES.resolve("tokenizer-camembert"), 24)) {
            assertThatThrownBy(() -> tok.encode(null, "Court.")).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> tok.encode("Court.", null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> tok.encodeAll(Arrays.asList("Court.", null), List.of("Court.", "Court.")))
                    .isInstanceOf(NullPointerException.class);
        }
    }

    @Test
    void aClosedTokenizerRefusesToEncode() {
        PairTokenizer tok = PairTokenizer.load(FIXTURES.resolve("tokenizer-camembert"), 24);
        tok.close();
        assertThatThrownBy(() -> tok.encode("Court.", "Court.")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> tok.encodeAll(List.of("Court."), List.of("Court.")))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void padIdComesFromTheTokenizerFilesNotDjlsDefault() {
        assertThat(padId("camemberta-vocab-tiny")).isEqualTo(32002); // [PAD] from tokenizer_config.json
        assertThat(padId("tokenizer-camembert")).isEqualTo(1); // <pad> among the added tokens
        assertThat(padId("tokenizer-deberta")).isEqualTo(0); // [PAD]
    }

    @Test
    void dynamicPaddingPadsToTheLongestWithThePadId() {
        try (PairTokenizer tok = PairTokenizer.load(FIXTURES.resolve("camemberta-vocab-tiny"), 128)) {
            EncodedPair a = tok.encode("Le chat dort.", "Un animal dort.");
            EncodedPair b = tok.encode("Il pleut depuis trois jours sur toute la Bretagne.", "Le temps est sec.");
            PaddedBatch batch = tok.pad(List.of(a, b));
            int len = Math.max(a.length(), b.length());
            assertThat(batch.sequenceLength()).isEqualTo(len);
            assertThat(batch.shape()).containsExactly(2, len);
            assertThat(batch.lengths()).containsExactly(a.length(), b.length());
            assertThat(batch.realTokens()).isEqualTo(a.length() + b.length());
            EncodedPair shorter = a.length() < b.length() ? a : b;
            int row = shorter == a ? 0 : 1;
            for (int j = 0; j < len; j++) {
                boolean real = j < shorter.length();
                assertThat(batch.attentionMask()[row * len + j]).isEqualTo(real ? 1L : 0L);
                assertThat(batch.inputIds()[row * len + j]).isEqualTo(real ? shorter.inputIds()[j] : 32002L);
            }
            assertThat(a.inputIds()[0]).isEqualTo(1L); // [CLS]
            assertThat(a.inputIds()[a.length() - 1]).isEqualTo(2L); // [SEP]
            assertThat(tok.pad(List.of(a), 128).sequenceLength()).isEqualTo(128);
        }
    }

    @Test
    void longPairsAreTruncatedLongestFirstAndFlagged() {
        String longPremise = IntStream.range(0, 400)
                .mapToObj(i -> "mot" + i)
                .reduce((x, y) -> x + " " + y)
                .orElseThrow();
        try (PairTokenizer tok = PairTokenizer.load(FIXTURES.resolve("camemberta-vocab-tiny"), 64)) {
            EncodedPair e = tok.encode(longPremise, "Une hypothèse courte.");
            assertThat(e.length()).isEqualTo(64);
            assertThat(e.truncated()).isTrue();
            // longest_first trims the long premise and keeps the short hypothesis whole.
            EncodedPair hyp = tok.encode("x", "Une hypothèse courte.");
            int hypTokens = (int) IntStream.range(0, hyp.length())
                    .filter(i -> hyp.typeIds()[i] == 1)
                    .count();
            assertThat(IntStream.range(0, 64).filter(i -> e.typeIds()[i] == 1).count())
                    .isEqualTo(hypTokens);
            assertThat(tok.encode("Court.", "Court.").truncated()).isFalse();
        }
    }

    @Test
    void missingTokenizerSaysWhatIsNeeded(@TempDir Path empty) {
        assertThatThrownBy(() -> PairTokenizer.load(empty, 128))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no tokenizer.json");
    }

    @Test
    void unknownPadTokenIsReported(@TempDir Path dir) throws Exception {
        Files.copy(FIXTURES.resolve("tokenizer-deberta/tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"pad_token\": \"<nope>\"}");
        assertThatThrownBy(() -> PairTokenizer.load(dir, 128)).hasMessageContaining("names pad_token '<nope>'");
    }

    @Test
    void truncationIdsRoundTrip() {
        for (Truncation t : Truncation.values()) {
            assertThat(Truncation.fromId(t.id())).isEqualTo(t);
        }
        assertThat(Truncation.LONGEST_FIRST.id()).isEqualTo("longest_first");
        assertThatThrownBy(() -> Truncation.fromId("middle")).hasMessageContaining("longest_first");
    }

    private static int padId(String fixture) {
        try (PairTokenizer tok = PairTokenizer.load(FIXTURES.resolve(fixture), 128)) {
            return tok.padId();
        }
    }

    private static int fullLength(String fixture, JsonNode c) {
        try (PairTokenizer tok = PairTokenizer.load(FIXTURES.resolve(fixture), 4096)) {
            return tok.encode(c.get("premise").asText(), c.get("hypothesis").asText())
                    .length();
        }
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }
}
