package io.nlistream.trainer.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.nlistream.trainer.checkpoint.RestrictedUnpickler.Storage;
import io.nlistream.trainer.checkpoint.RestrictedUnpickler.Tensor;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code pytorch_model.bin} state dict ({@code torch.save} output) into NDArrays named by their state-dict
 * keys, in file order. Both layouts torch has written are understood: the zip archive (torch ≥ 1.6:
 * {@code <archive>/data.pkl} plus one record per storage under {@code <archive>/data/}) and the older single-stream
 * format (magic number, protocol, system info, the pickle, then the raw storages). The pickle goes through
 * {@link RestrictedUnpickler}, which refuses anything but tensors and plain containers.
 *
 * <p>Views are materialised: storage offsets and strides (transposed or sliced tensors) are honoured, storages
 * shared by several tensors are read once, F16/BF16 become F32, and every array is a contiguous copy.
 */
public final class PytorchBinReader {

    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long LEGACY_PROTOCOL = 1001;

    private PytorchBinReader() {}

    /** Reads every tensor of the state dict in {@code file}; the arrays belong to {@code manager}. */
    public static NDList read(Path file, NDManager manager) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such pytorch_model.bin file");
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(262);
        }
        try {
            if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
                return readZip(file, manager);
            }
            if (head.length >= 2 && (head[0] & 0xff) == 0x80) {
                return readLegacy(file, manager);
            }
            if (head.length >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
                throw new IOException("it is a tar archive from torch < 0.4, which this reader does not support:"
                        + " re-save it with a recent torch (torch.save(torch.load(f), f)) or convert it to"
                        + " model.safetensors");
            }
            throw new IOException("it is neither a zip archive nor a pickle: not a torch.save file");
        } catch (IOException e) {
            throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static NDList readZip(Path file, NDManager manager) throws IOException {
        try (TorchZip zip = TorchZip.open(file)) {
            String prefix = archivePrefix(zip);
            ByteOrder order = byteOrder(zip, prefix);
            ByteBuffer pkl = zip.read(prefix + "data.pkl");
            byte[] pickle = new byte[pkl.remaining()];
            pkl.get(pickle);
            Object root = new RestrictedUnpickler(new ByteArrayInputStream(pickle), pid -> storage(pid, 5)).load();
            return materialize(
                    stateDict(root),
                    key -> {
                        String name = prefix + "data/" + key;
                        if (!zip.has(name)) {
                            throw new IOException("storage record " + name + " is missing");
                        }
                        return zip.read(name);
                    },
                    order,
                    manager);
        }
    }

    /** The archive's top folder: "archive" since torch 1.7, the file's stem before that. */
    private static String archivePrefix(TorchZip zip) throws IOException {
        if (zip.names().stream().anyMatch(name -> name.endsWith("/constants.pkl"))) {
            throw new IOException(
                    "it is a TorchScript archive (torch.jit.save), not a state dict saved with" + " torch.save");
        }
        for (String name : zip.names()) {
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                return name.substring(0, slash + 1);
            }
        }
        throw new IOException("the zip archive has no <archive>/data.pkl record: not a torch.save file");
    }

    private static ByteOrder byteOrder(TorchZip zip, String prefix) throws IOException {
        if (!zip.has(prefix + "byteorder")) {
            return ByteOrder.LITTLE_ENDIAN;
        }
        String order = StandardCharsets.US_ASCII
                .decode(zip.read(prefix + "byteorder"))
                .toString()
                .trim();
        return switch (order) {
            case "little" -> ByteOrder.LITTLE_ENDIAN;
            case "big" -> ByteOrder.BIG_ENDIAN;
            default -> throw new IOException("unknown byteorder record '" + order + "'");
        };
    }

    private static NDList readLegacy(Path file, NDManager manager) throws IOException {
        Map<String, Storage> storages = new HashMap<>();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            RestrictedUnpickler unpickler = new RestrictedUnpickler(in, pid -> {
                Storage s = storage(pid, 6);
                if (pid.get(5) != null) {
                    throw new IOException("storage views of the pre-1.0 legacy format are not supported;"
                            + " re-save the checkpoint with a recent torch");
                }
                storages.putIfAbsent(s.key(), s);
                return s;
            });
            if (!LEGACY_MAGIC.equals(unpickler.load())) {
                throw new IOException("it starts with a pickle but not with torch.save's magic number");
            }
            Object protocol = unpickler.load();
            if (!Long.valueOf(LEGACY_PROTOCOL).equals(protocol)) {
                throw new IOException("unsupported legacy torch.save protocol " + protocol);
            }
            ByteOrder order =
                    unpickler.load() instanceof Map<?, ?> sysInfo && Boolean.FALSE.equals(sysInfo.get("little_endian"))
                            ? ByteOrder.BIG_ENDIAN
                            : ByteOrder.LITTLE_ENDIAN;
            List<Map.Entry<String, Tensor>> tensors = stateDict(unpickler.load());
            Map<String, ByteBuffer> data = new HashMap<>();
            if (!(unpickler.load() instanceof List<?> keys)) {
                throw new IOException("the legacy storage key list is missing");
            }
            for (Object key : keys) {
                Storage storage = storages.get(String.valueOf(key));
                if (storage == null) {
                    throw new IOException("storage " + key + " is listed but no tensor uses it");
                }
                byte[] sizeBytes = in.readNBytes(8);
                long numel = ByteBuffer.wrap(sizeBytes).order(order).getLong();
                long nbytes = numel * storage.dtype().elementSize;
                if (sizeBytes.length != 8 || numel < 0 || nbytes > Integer.MAX_VALUE - 8) {
                    throw new IOException("storage " + key + " has a bad size header (truncated file?)");
                }
                byte[] bytes = in.readNBytes((int) nbytes);
                if (bytes.length != nbytes) {
                    throw new IOException(
                            "storage " + key + " is truncated: " + bytes.length + " of " + nbytes + " bytes");
                }
                data.put(storage.key(), ByteBuffer.wrap(bytes));
            }
            return materialize(
                    tensors,
                    key -> {
                        ByteBuffer bytes = data.get(key);
                        if (bytes == null) {
                            throw new IOException("storage " + key + " is not in the file's storage list");
                        }
                        return bytes;
                    },
                    order,
                    manager);
        }
    }

    /** A persistent id: ('storage', type, key, location, numel[, view_metadata]). */
    private static Storage storage(List<Object> pid, int arity) throws IOException {
        if (pid.size() != arity) {
            throw new IOException("storage persistent id has " + pid.size() + " fields, expected " + arity);
        }
        if (!(pid.get(1) instanceof TorchDType dtype)) {
            throw new IOException("storage type " + RestrictedUnpickler.describe(pid.get(1)) + " is not supported");
        }
        if (!(pid.get(4) instanceof Long numel)) {
            throw new IOException("storage size is not an integer");
        }
        return new Storage(String.valueOf(pid.get(2)), dtype, numel);
    }

    private static List<Map.Entry<String, Tensor>> stateDict(Object root) throws IOException {
        if (!(root instanceof Map<?, ?> map)) {
            throw new IOException("the pickle holds a " + RestrictedUnpickler.describe(root)
                    + ", not a state dict (a mapping of parameter names to tensors)");
        }
        List<Map.Entry<String, Tensor>> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new IOException("state dict key " + e.getKey() + " is not a string");
            }
            if (!(e.getValue() instanceof Tensor tensor)) {
                throw new IOException("state dict entry '" + name + "' is a "
                        + RestrictedUnpickler.describe(e.getValue()) + ", not a tensor (a training checkpoint"
                        + " rather than model weights? save model.state_dict() instead)");
            }
            entries.add(Map.entry(name, tensor));
        }
        if (entries.isEmpty()) {
            throw new IOException("the state dict is empty");
        }
        return entries;
    }

    private interface StorageSource {
        ByteBuffer bytes(String key) throws IOException;
    }

    /** Builds the arrays in state-dict order; a storage's bytes stay cached only while a later tensor needs them. */
    private static NDList materialize(
            List<Map.Entry<String, Tensor>> tensors, StorageSource source, ByteOrder order, NDManager manager)
            throws IOException {
        Map<String, Integer> uses = new HashMap<>();
        tensors.forEach(e -> uses.merge(e.getValue().storage().key(), 1, Integer::sum));
        Map<String, ByteBuffer> cache = new LinkedHashMap<>();
        NDList list = new NDList(tensors.size());
        for (Map.Entry<String, Tensor> e : tensors) {
            String key = e.getValue().storage().key();
            ByteBuffer bytes = cache.get(key);
            if (bytes == null) {
                bytes = source.bytes(key);
                cache.put(key, bytes);
            }
            NDArray array = TensorCopier.toNDArray(e.getKey(), e.getValue(), bytes, order, manager);
            array.setName(e.getKey());
            list.add(array);
            if (uses.merge(key, -1, Integer::sum) == 0) {
                cache.remove(key);
            }
        }
        return list;
    }

    /** Copies a (possibly strided) view out of its storage bytes into a contiguous, native-order buffer. */
    static final class TensorCopier {
        private TensorCopier() {}

        static NDArray toNDArray(String name, Tensor t, ByteBuffer storage, ByteOrder order, NDManager manager)
                throws IOException {
            long numel = 1;
            long lastIndex = t.offset();
            for (int d = 0; d < t.shape().length; d++) {
                if (t.shape()[d] < 0 || t.stride()[d] < 0) {
                    throw new IOException("tensor '" + name + "' has a negative size or stride");
                }
                numel = Math.multiplyExact(numel, t.shape()[d]);
                lastIndex += (t.shape()[d] - 1) * t.stride()[d];
            }
            TorchDType dtype = t.dtype();
            int outSize = dtype.target.getNumOfBytes();
            if (numel > 0 && (t.offset() < 0 || (lastIndex + 1) * dtype.elementSize > storage.limit())) {
                throw new IOException("tensor '" + name + "' reads past the end of its storage (" + storage.limit()
                        + " bytes): the file is truncated or corrupt");
            }
            if (numel * outSize > Integer.MAX_VALUE - 8) {
                throw new IOException("tensor '" + name + "' is larger than 2 GiB");
            }
            ByteBuffer src = storage.duplicate().order(order);
            ByteBuffer out = ByteBuffer.allocateDirect((int) (numel * outSize)).order(ByteOrder.nativeOrder());
            if (isContiguous(t)
                    && dtype.target.getNumOfBytes() == dtype.elementSize
                    && order == ByteOrder.nativeOrder()) {
                int from = (int) (t.offset() * dtype.elementSize);
                out.put(src.limit(from + (int) (numel * outSize)).position(from));
                return LibtorchStorage.adopt(manager.create(out.rewind(), new Shape(t.shape()), dtype.target));
            }
            long[] shape = t.shape();
            long[] index = new long[shape.length];
            long element = t.offset();
            for (long i = 0; i < numel; i++) {
                copyElement(dtype, src, (int) (element * dtype.elementSize), out);
                // advance the multi-index like an odometer, moving the storage position by the strides
                for (int d = shape.length - 1; d >= 0; d--) {
                    element += t.stride()[d];
                    if (++index[d] < shape[d]) {
                        break;
                    }
                    element -= shape[d] * t.stride()[d];
                    index[d] = 0;
                }
            }
            out.rewind();
            return LibtorchStorage.adopt(manager.create(out, new Shape(shape), dtype.target));
        }

        /** Row-major with no gaps: the bytes can be copied in one go. */
        private static boolean isContiguous(Tensor t) {
            long expected = 1;
            for (int d = t.shape().length - 1; d >= 0; d--) {
                if (t.shape()[d] != 1 && t.stride()[d] != expected) {
                    return false;
                }
                expected *= t.shape()[d];
            }
            return true;
        }

        private static void copyElement(TorchDType dtype, ByteBuffer src, int at, ByteBuffer out) {
            switch (dtype) {
                case FLOAT32 -> out.putFloat(src.getFloat(at));
                case FLOAT64 -> out.putDouble(src.getDouble(at));
                case FLOAT16 -> out.putFloat(halfToFloat(src.getShort(at)));
                case BFLOAT16 -> out.putFloat(Float.intBitsToFloat((src.getShort(at) & 0xffff) << 16));
                case INT64 -> out.putLong(src.getLong(at));
                case INT32 -> out.putInt(src.getInt(at));
                case INT16 -> out.putInt(src.getShort(at));
                case INT8, UINT8, BOOL -> out.put(src.get(at));
            }
        }

        /** IEEE 754 binary16 to binary32 (Float.float16ToFloat only exists from Java 20). */
        static float halfToFloat(short half) {
            int bits = half & 0xffff;
            int sign = (bits & 0x8000) << 16;
            int exponent = (bits >>> 10) & 0x1f;
            int mantissa = bits & 0x3ff;
            if (exponent == 0x1f) {
                return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
            }
            if (exponent == 0) {
                float subnormal = mantissa * 0x1p-24f;
                return sign == 0 ? subnormal : -subnormal;
            }
            return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
        }
    }
}
