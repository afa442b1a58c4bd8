package io.nlistream.streamer.topology;

import io.nlistream.schemas.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A pair waiting in the micro-batcher's changelogged store: everything needed to emit its classification after a
 * crash and restore (key, value, headers, timestamp and source partition of the input record).
 *
 * <p>Serialized in a compact binary form (one version byte, then the fields in order) rather than JSON: every pair
 * goes through this serde on its way into the changelog, and JSON of base64 byte arrays cost several times the bytes
 * and CPU. A value starting with '{' is the JSON form older versions wrote, still read so a changelog written before
 * an upgrade restores.
 */
public record BufferedPair(
        long seq,
        byte[] key,
        byte[] value,
        List<Header> headers,
        long timestamp,
        String topic,
        int partition,
        long offset,
        long arrivedAtMs) {

    public record Header(String key, byte[] value) {}

    public static final Serde<BufferedPair> SERDE = Serdes.serdeFrom(serializer(), deserializer());

    private static final byte BINARY_V1 = 1;

    private static Serializer<BufferedPair> serializer() {
        return (topic, pair) -> pair == null ? null : pair.toBytes();
    }

    private static Deserializer<BufferedPair> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                if (bytes.length > 0 && bytes[0] == '{') {
                    return Json.mapper().readValue(bytes, BufferedPair.class);
                }
                return fromBytes(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException("a buffered pair of the changelog does not read back", e);
            }
        };
    }

    byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + (value == null ? 0 : value.length));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(BINARY_V1);
            out.writeLong(seq);
            writeBytes(out, key);
            writeBytes(out, value);
            out.writeInt(headers.size());
            for (Header h : headers) {
                out.writeUTF(h.key());
                writeBytes(out, h.value());
            }
            out.writeLong(timestamp);
            out.writeUTF(topic);
            out.writeInt(partition);
            out.writeLong(offset);
            out.writeLong(arrivedAtMs);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    static BufferedPair fromBytes(byte[] bytes) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte version = in.readByte();
            if (version != BINARY_V1) {
                throw new IOException("unknown buffered-pair format " + version + " (written by a newer streamer?)");
            }
            long seq = in.readLong();
            byte[] key = readBytes(in);
            byte[] value = readBytes(in);
            int n = in.readInt();
            List<Header> headers = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                headers.add(new Header(in.readUTF(), readBytes(in)));
            }
            return new BufferedPair(
                    seq, key, value, headers, in.readLong(), in.readUTF(), in.readInt(), in.readLong(), in.readLong());
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(b.length);
            out.write(b);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }
}
