package io.nlistream.streamer.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

class DeadLetterFitTest {
    private static final Header[] REASON = {new RecordHeader("dead-letter-reason", utf8("too-large: big"))};

    @Test
    void aDeadLetterThatFitsKeepsEverythingAndIsNotMarked() {
        byte[] value = utf8("{\"id\":\"a\"}");
        Header[] original = {new RecordHeader("traceparent", utf8("00-abc"))};
        DeadLetterFit.Fitted f = DeadLetterFit.fit(utf8("k"), value, REASON, original, 42L, 10_000);
        assertThat(f.truncated()).isFalse();
        assertThat(f.value()).isEqualTo(value);
        assertThat(f.headers().lastHeader("traceparent").value()).isEqualTo(utf8("00-abc"));
        assertThat(f.headers().lastHeader(DeadLetterFit.TIMESTAMP).value()).isEqualTo(utf8("42"));
        assertThat(f.headers().lastHeader(DeadLetterFit.TRUNCATED)).isNull();
    }

    @Test
    void anOversizedDeadLetterKeepsTheHeadersThatFitAndTheLongestPrefix() {
        int limit = 100_000;
        byte[] value = new byte[200_000];
        Arrays.fill(value, (byte) 'x');
        Header[] original = {
            new RecordHeader("small", utf8("s")),
            new RecordHeader("huge", new byte[95_000]),
            new RecordHeader("after", utf8("a"))
        };
        DeadLetterFit.Fitted f = DeadLetterFit.fit(utf8("key"), value, REASON, original, 7L, limit);

        assertThat(f.truncated()).isTrue();
        int size = RecordSizeLimits.sizeOf(utf8("key"), f.value(), f.headers().toArray());
        assertThat(size).isLessThanOrEqualTo(limit).isGreaterThan(limit - 100);
        assertThat(f.value()).isEqualTo(Arrays.copyOf(value, f.value().length));
        assertThat(f.headers().lastHeader("small")).isNotNull();
        assertThat(f.headers().lastHeader("after")).isNotNull();
        assertThat(f.headers().lastHeader("huge")).isNull();
        assertThat(f.headers().lastHeader(DeadLetterFit.HEADERS_DROPPED).value())
                .isEqualTo(utf8("1"));
        assertThat(f.headers().lastHeader("dead-letter-reason").value()).isEqualTo(utf8("too-large: big"));
        assertThat(Integer.parseInt(new String(
                        f.headers().lastHeader(DeadLetterFit.ORIGINAL_SIZE).value(), StandardCharsets.UTF_8)))
                .isGreaterThan(295_000);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
