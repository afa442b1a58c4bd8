package io.nlistream.trainer.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a {@code .safetensors} file (8-byte little-endian header length, JSON header, raw data) by HF name.
 * F32, F16 and BF16 become float32 {@link Tensor}s; I64 tensors (fixture inputs) are read with {@link #longs}.
 * The file is memory-mapped, so a 440 MB checkpoint is not copied into one byte[].
 */
public final class Safetensors {
    private final Path file;
    private final ByteBuffer data;
    private final Map<String, JsonNode> entries = new LinkedHashMap<>();

    private Safetensors(Path file, ByteBuffer data, JsonNode header) {
        this.file = file;
        this.data = data;
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("__metadata__")) {
                entries.put(e.getKey(), e.getValue());
            }
        }
    }

    public static Safetensors open(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
            long headerLength = all.getLong(0);
            if (headerLength <= 0 || headerLength > all.capacity() - 8) {
                throw new IOException(file + " is not a safetensors file (header length " + headerLength + ")");
            }
            byte[] header = new byte[(int) headerLength];
            all.get(8, header);
            JsonNode json = new ObjectMapper().readTree(header);
            ByteBuffer body = all.slice(8 + (int) headerLength, all.capacity() - 8 - (int) headerLength)
                    .order(ByteOrder.LITTLE_ENDIAN);
            return new Safetensors(file, body, json);
        }
    }

    /** Every tensor of a floating dtype, as float32, in file order. */
    public static Map<String, Tensor> readFloats(Path file) throws IOException {
        Safetensors st = open(file);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : st.entries.keySet()) {
            if (!st.dtype(name).equals("I64")) {
                out.put(name, st.tensor(name));
            }
        }
        return out;
    }

    public java.util.Set<String> names() {
        return entries.keySet();
    }

    public String dtype(String name) {
        return entry(name).get("dtype").asText();
    }

    public long[] shape(String name) {
        JsonNode s = entry(name).get("shape");
        long[] shape = new long[s.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = s.get(i).asLong();
        }
        return shape;
    }

    public Tensor tensor(String name) {
        ByteBuffer b = bytes(name);
        String dtype = dtype(name);
        float[] v;
        switch (dtype) {
            case "F32" -> {
                v = new float[b.remaining() / 4];
                b.asFloatBuffer().get(v);
            }
            case "F16" -> {
                v = new float[b.remaining() / 2];
                for (int i = 0; i < v.length; i++) {
                    v[i] = Fp16.toFloat(b.getShort(2 * i));
                }
            }
            case "BF16" -> {
                v = new float[b.remaining() / 2];
                for (int i = 0; i < v.length; i++) {
                    v[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
                }
            }
            default -> throw new IllegalArgumentException(
                    file + ": tensor '" + name + "' has dtype " + dtype + ", expected F32, F16 or BF16");
        }
        return new Tensor(shape(name), v);
    }

    public long[] longs(String name) {
        if (!dtype(name).equals("I64")) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "' is " + dtype(name) + ", not I64");
        }
        ByteBuffer b = bytes(name);
        long[] v = new long[b.remaining() / 8];
        b.asLongBuffer().get(v);
        return v;
    }

    private ByteBuffer bytes(String name) {
        JsonNode offsets = entry(name).get("data_offsets");
        int begin = (int) offsets.get(0).asLong();
        int end = (int) offsets.get(1).asLong();
        return data.slice(begin, end - begin).order(ByteOrder.LITTLE_ENDIAN);
    }

    private JsonNode entry(String name) {
        JsonNode e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException(file + " has no tensor '" + name + "'");
        }
        return e;
    }
}
