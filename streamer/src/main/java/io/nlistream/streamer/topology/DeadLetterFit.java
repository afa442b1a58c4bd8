package io.nlistream.streamer.topology;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Shrinks a dead letter to its topic's limit so it is always written: the dead-letter headers (reason, source
 * topic/partition/offset/timestamp, original size) and the key (kept as is: it fitted nli.pairs) come first, then the
 * original headers in order as long as they fit, then the longest value prefix that fits; {@value #TRUNCATED} marks
 * a shrunk one. The source offset is enough to replay the full record while nli.pairs retains it.
 */
public final class DeadLetterFit {
    public static final String TRUNCATED = "dead-letter-truncated";
    public static final String ORIGINAL_SIZE = "dead-letter-original-size";
    public static final String TIMESTAMP = "dead-letter-timestamp";
    public static final String HEADERS_DROPPED = "dead-letter-headers-dropped";
    /** Room kept for the value prefix before original headers are added: a prefix is what an operator reads first. */
    static final int PREFIX_RESERVE = 16 * 1024;

    /** The fitted record: key, value and headers to write instead of the original ones. */
    public record Fitted(byte[] value, Headers headers, boolean truncated) {}

    private DeadLetterFit() {}

    /**
     * @param deadLetterHeaders the dead-letter-* headers (always kept)
     * @param original the record's own headers, without the dead-letter ones
     */
    public static Fitted fit(
            byte[] key, byte[] value, Header[] deadLetterHeaders, Header[] original, long timestamp, int limit) {
        byte[] v = value;
        Headers all = new RecordHeaders(deadLetterHeaders);
        all.add(TIMESTAMP, utf8(Long.toString(timestamp)));
        for (Header h : original) {
            all.add(h);
        }
        if (RecordSizeLimits.sizeOf(key, v, all.toArray()) <= limit) {
            return new Fitted(v, all, false);
        }
        Headers kept = new RecordHeaders(deadLetterHeaders);
        kept.add(TIMESTAMP, utf8(Long.toString(timestamp)));
        kept.add(ORIGINAL_SIZE, utf8(Long.toString(RecordSizeLimits.sizeOf(key, v, original))));
        kept.add(TRUNCATED, utf8("true"));
        int reserve = Math.min(PREFIX_RESERVE, limit / 4);
        int used = RecordSizeLimits.sizeOf(key, null, kept.toArray());
        int dropped = 0;
        for (Header h : original) {
            // a header costs its name, its value and at most 10 bytes of varint lengths
            int cost =
                    h.key().getBytes(StandardCharsets.UTF_8).length + (h.value() == null ? 0 : h.value().length) + 10;
            if (used + cost + reserve <= limit) {
                kept.add(h);
                used += cost;
            } else {
                dropped++;
            }
        }
        if (dropped > 0) {
            kept.add(HEADERS_DROPPED, utf8(Integer.toString(dropped)));
        }
        byte[] prefix = null;
        if (v != null) {
            // varint lengths grow by at most a few bytes with the prefix; 16 bytes covers them
            int room = limit - RecordSizeLimits.sizeOf(key, new byte[0], kept.toArray()) - 16;
            prefix = Arrays.copyOf(v, Math.max(0, Math.min(v.length, room)));
        }
        return new Fitted(prefix, kept, true);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
