package io.nlistream.streamer.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlistream.schemas.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The buffer store's changelog format: every field round-trips, and the JSON of older versions still restores. */
class BufferedPairTest {
    private static final BufferedPair PAIR = new BufferedPair(
            42,
            "k".getBytes(StandardCharsets.UTF_8),
            "{\"id\":\"p1\"}".getBytes(StandardCharsets.UTF_8),
            List.of(new BufferedPair.Header("trace", new byte[] {1, 2}), new BufferedPair.Header("empty", null)),
            1_700_000_000_000L,
            "nli.pairs",
            3,
            1234,
            1_700_000_000_123L);

    @Test
    void binaryFormRoundTripsEveryFieldIncludingNullKeysAndHeaderValues() {
        BufferedPair back = read(BufferedPair.SERDE.serializer().serialize("t", PAIR));
        assertSame(back, PAIR);
        BufferedPair unkeyed = new BufferedPair(1, null, new byte[0], List.of(), 0, "t", 0, 0, 0);
        assertSame(read(BufferedPair.SERDE.serializer().serialize("t", unkeyed)), unkeyed);
    }

    @Test
    void theJsonFormOfEarlierVersionsStillReads() throws Exception {
        assertSame(read(Json.mapper().writeValueAsBytes(PAIR)), PAIR);
    }

    @Test
    void binaryIsSmallerThanJson() throws Exception {
        assertThat(BufferedPair.SERDE.serializer().serialize("t", PAIR).length)
                .isLessThan(Json.mapper().writeValueAsBytes(PAIR).length);
    }

    private static BufferedPair read(byte[] bytes) {
        return BufferedPair.SERDE.deserializer().deserialize("t", bytes);
    }

    private static void assertSame(BufferedPair a, BufferedPair b) {
        assertThat(a).usingRecursiveComparison().isEqualTo(b);
    }
}
