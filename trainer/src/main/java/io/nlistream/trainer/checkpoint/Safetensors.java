package io.nlistream.trainer.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes the safetensors format (8-byte little-endian header length, JSON header, raw little-endian data).
 * Floating tensors of any stored precision (F64, F32, F16, BF16) come back as F32 NDArrays, converted in Java; integer
 * and boolean tensors keep their type. Tensors are read one at a time through a memory map, so a checkpoint never sits
 * in the Java heap whole.
 */
public final class Safetensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    /** How floating tensors are stored on write. */
    public enum FloatFormat {
        F32,
        F16,
        BF16
    }

    /** One entry of the header. */
    public record TensorInfo(String dtype, long[] shape, long begin, long end) {}

    private Safetensors() {}

    /** The header's tensors in file order, without reading any data. */
    public static Map<String, TensorInfo> header(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return parseHeader(file, ch).tensors;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * Every tensor of the file, floating ones as F32, attached to {@code manager}, in file order, in storage libtorch
     * allocated ({@link LibtorchStorage}).
     */
    public static Map<String, NDArray> read(Path file, NDManager manager) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header h = parseHeader(file, ch);
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (Map.Entry<String, TensorInfo> e : h.tensors.entrySet()) {
                TensorInfo t = e.getValue();
                long length = t.end - t.begin;
                ByteBuffer data = length == 0
                        ? ByteBuffer.allocate(0)
                        : ch.map(FileChannel.MapMode.READ_ONLY, h.dataStart + t.begin, length);
                data.order(ByteOrder.LITTLE_ENDIAN);
                NDArray array = LibtorchStorage.adopt(toArray(file, e.getKey(), t, data, manager));
                array.setName(e.getKey());
                out.put(e.getKey(), array);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * Writes {@code tensors} (F32, I64, I32 or BOOLEAN arrays) in the given order; F32 ones stored as {@code floats}.
     * The file is written beside its target and moved into place, so a crash never leaves a truncated file.
     */
    public static void write(
            Path file, Map<String, NDArray> tensors, Map<String, String> metadata, FloatFormat floats) {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        Map<String, byte[]> payloads = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray a = e.getValue();
            String dtype;
            byte[] bytes;
            if (a.getDataType() == DataType.FLOAT32) {
                dtype = floats.name();
                bytes = encodeFloats(a.toFloatArray(), floats);
            } else {
                dtype = switch (a.getDataType()) {
                    case INT64 -> "I64";
                    case INT32 -> "I32";
                    case BOOLEAN -> "BOOL";
                    case UINT8 -> "U8";
                    case INT8 -> "I8";
                    default ->
                        throw new IllegalArgumentException("cannot write tensor " + e.getKey() + " of type "
                                + a.getDataType() + " to safetensors");
                };
                ByteBuffer bb = a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                bytes = new byte[bb.remaining()];
                bb.get(bytes);
            }
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", dtype);
            entry.putArray("shape")
                    .addAll(java.util.Arrays.stream(a.getShape().getShape())
                            .mapToObj(JSON.getNodeFactory()::numberNode)
                            .toList());
            entry.putArray("data_offsets").add(offset).add(offset + bytes.length);
            offset += bytes.length;
            payloads.put(e.getKey(), bytes);
        }
        byte[] headerBytes = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (headerBytes.length + 7) / 8 * 8;
        ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        prefix.putLong(padded).put(headerBytes);
        while (prefix.hasRemaining()) {
            prefix.put((byte) ' ');
        }
        prefix.flip();
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".part");
            try (FileChannel ch =
                    FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(prefix);
                for (byte[] bytes : payloads.values()) {
                    ch.write(ByteBuffer.wrap(bytes));
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static byte[] encodeFloats(float[] values, FloatFormat format) {
        int width = format == FloatFormat.F32 ? 4 : 2;
        ByteBuffer bb = ByteBuffer.allocate(values.length * width).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            switch (format) {
                case F32 -> bb.putFloat(v);
                case F16 -> bb.putShort(HalfPrecision.floatToF16(v));
                case BF16 -> bb.putShort(HalfPrecision.floatToBf16(v));
            }
        }
        return bb.array();
    }

    private static NDArray toArray(Path file, String name, TensorInfo t, ByteBuffer data, NDManager manager) {
        Shape shape = new Shape(t.shape);
        long count = shape.size();
        int width = switch (t.dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL" -> 1;
            default ->
                throw new CheckpointException(file + ": tensor " + name + " has dtype " + t.dtype
                        + ", which this reader does not support (F64, F32, F16, BF16, I64, I32, I8, U8, BOOL)");
        };
        if (count * width != data.remaining()) {
            throw new CheckpointException(file + ": tensor " + name + " declares shape " + shape + " of " + t.dtype
                    + " (" + count * width + " bytes) but its data_offsets span " + data.remaining()
                    + " bytes; the file is corrupt, download it again");
        }
        int n = Math.toIntExact(count);
        switch (t.dtype) {
            case "F32" -> {
                float[] f = new float[n];
                data.asFloatBuffer().get(f);
                return manager.create(FloatBuffer.wrap(f), shape);
            }
            case "F16", "BF16" -> {
                boolean bf = t.dtype.equals("BF16");
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    short s = data.getShort(i * 2);
                    f[i] = bf ? HalfPrecision.bf16ToFloat(s) : HalfPrecision.f16ToFloat(s);
                }
                return manager.create(FloatBuffer.wrap(f), shape);
            }
            case "F64" -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    f[i] = (float) data.getDouble(i * 8);
                }
                return manager.create(FloatBuffer.wrap(f), shape);
            }
            case "I64" -> {
                long[] l = new long[n];
                data.asLongBuffer().get(l);
                return manager.create(l, shape);
            }
            case "I32" -> {
                int[] v = new int[n];
                data.asIntBuffer().get(v);
                return manager.create(v, shape);
            }
            case "BOOL" -> {
                boolean[] b = new boolean[n];
                for (int i = 0; i < n; i++) {
                    b[i] = data.get(i) != 0;
                }
                return manager.create(b, shape);
            }
            case "U8", "I8" -> {
                byte[] b = new byte[n];
                data.get(b);
                return manager.create(ByteBuffer.wrap(b), shape, t.dtype.equals("U8") ? DataType.UINT8 : DataType.INT8);
            }
            default ->
                throw new CheckpointException(file + ": tensor " + name + " has dtype " + t.dtype
                        + ", which this reader does not convert; store it as F32, F16, BF16, I64 or I32");
        }
    }

    private record Header(Map<String, TensorInfo> tensors, long dataStart) {}

    private static Header parseHeader(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        if (size < 8 || ch.read(len, 0) != 8) {
            throw new CheckpointException(file + " is not a safetensors file (shorter than 8 bytes)");
        }
        long n = len.getLong(0);
        if (n <= 0 || n > MAX_HEADER || 8 + n > size) {
            throw new CheckpointException(file + " is not a safetensors file (header length " + n
                    + " does not fit the file of " + size + " bytes); re-download it");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        ch.read(hb, 8);
        JsonNode root;
        try {
            root = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CheckpointException(file + " has an unreadable safetensors header: " + e.getMessage(), e);
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        long dataSize = size - 8 - n;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode v = e.getValue();
            JsonNode offsets = v.path("data_offsets");
            if (!v.path("dtype").isTextual() || !v.path("shape").isArray() || offsets.size() != 2) {
                throw new CheckpointException(
                        file + ": header entry " + e.getKey() + " lacks dtype, shape or data_offsets");
            }
            long[] shape = new long[v.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = v.get("shape").get(i).asLong();
            }
            long begin = offsets.get(0).asLong();
            long end = offsets.get(1).asLong();
            if (begin < 0 || end < begin || end > dataSize) {
                throw new CheckpointException(
                        file + ": tensor " + e.getKey() + " points outside the file (offsets " + begin + ".." + end
                                + ", data " + dataSize + " bytes); the file is truncated, download it again");
            }
            tensors.put(e.getKey(), new TensorInfo(v.get("dtype").asText(), shape, begin, end));
        }
        return new Header(tensors, 8 + n);
    }
}
