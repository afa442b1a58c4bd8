package io.nlistream.trainer.checkpoint;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Test-only writer of the bytes {@code torch.save(state_dict, f)} produces, so the reader can be tested without
 * Python: CPython's protocol-2 pickler output for an OrderedDict state dict (memoised strings and globals,
 * {@code _rebuild_tensor_v2} REDUCE calls, storages as BINPERSID tuples, the {@code _metadata} BUILD), inside the
 * zip layout of torch ≥ 1.6 or the legacy single-stream layout.
 */
final class TorchSaveWriter {

    /** A storage: its key and raw little-endian bytes. */
    record StorageSpec(String key, String storageClass, int elementSize, byte[] bytes) {
        long numel() {
            return bytes.length / elementSize;
        }
    }

    record TensorSpec(String name, StorageSpec storage, long offset, long[] shape, long[] stride) {}

    private TorchSaveWriter() {}

    static StorageSpec floats(String key, float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return new StorageSpec(key, "FloatStorage", 4, b.array());
    }

    static StorageSpec longs(String key, long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return new StorageSpec(key, "LongStorage", 8, b.array());
    }

    static StorageSpec shorts(String key, String storageClass, int... bits) {
        ByteBuffer b = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : bits) {
            b.putShort((short) v);
        }
        return new StorageSpec(key, storageClass, 2, b.array());
    }

    /** A contiguous tensor over its whole storage. */
    static TensorSpec contiguous(String name, StorageSpec storage, long... shape) {
        long[] stride = new long[shape.length];
        long s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            stride[d] = s;
            s *= shape[d];
        }
        return new TensorSpec(name, storage, 0, shape, stride);
    }

    /** torch ≥ 1.6: a zip of {@code <archive>/data.pkl}, {@code byteorder}, {@code data/<key>}, {@code version}. */
    static void writeZip(Path file, String archive, List<TensorSpec> tensors) throws IOException {
        writeZip(file, archive, statePickle(tensors, false), storages(tensors));
    }

    /** The same records compressed, as a user who unpacked and re-zipped a checkpoint would produce. */
    static void writeDeflatedZip(Path file, String archive, List<TensorSpec> tensors) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry(archive + "/data.pkl"));
            zip.write(statePickle(tensors, false));
            for (StorageSpec s : storages(tensors).values()) {
                zip.putNextEntry(new ZipEntry(archive + "/data/" + s.key()));
                zip.write(s.bytes());
            }
        }
    }

    static void writeZip(Path file, String archive, byte[] dataPkl, Map<String, StorageSpec> storages)
            throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            stored(zip, archive + "/data.pkl", dataPkl);
            stored(zip, archive + "/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            for (StorageSpec s : storages.values()) {
                stored(zip, archive + "/data/" + s.key(), s.bytes());
            }
            stored(zip, archive + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
            stored(
                    zip,
                    archive + "/.data/serialization_id",
                    "1234567890123456789012345678901234567890".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** torch < 1.6: magic number, protocol 1001, sys_info, the state pickle, the sorted keys, raw storages. */
    static void writeLegacy(Path file, List<TensorSpec> tensors) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            Pickler magic = new Pickler();
            magic.raw(0x8a, 10)
                    .raw(0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19)
                    .stop();
            out.write(magic.bytes());
            out.write(new Pickler().integer(1001).stop().bytes());
            Pickler sysInfo = new Pickler();
            sysInfo.raw('}')
                    .put()
                    .raw('(')
                    .string("protocol_version")
                    .integer(1001)
                    .string("little_endian")
                    .raw(0x88)
                    .string("type_sizes")
                    .raw('}')
                    .put()
                    .raw('(')
                    .string("short")
                    .integer(2)
                    .string("int")
                    .integer(4)
                    .string("long")
                    .integer(4)
                    .raw('u')
                    .raw('u')
                    .stop();
            out.write(sysInfo.bytes());
            out.write(statePickle(tensors, true));
            Map<String, StorageSpec> storages = new TreeMap<>(storages(tensors));
            Pickler keys = new Pickler();
            keys.raw(']').put().raw('(');
            storages.keySet().forEach(keys::string);
            out.write(keys.raw('e').stop().bytes());
            for (StorageSpec s : storages.values()) {
                out.write(ByteBuffer.allocate(8)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(s.numel())
                        .array());
                out.write(s.bytes());
            }
        }
    }

    static Map<String, StorageSpec> storages(List<TensorSpec> tensors) {
        Map<String, StorageSpec> storages = new LinkedHashMap<>();
        tensors.forEach(t -> storages.putIfAbsent(t.storage().key(), t.storage()));
        return storages;
    }

    /** The pickle of an OrderedDict state dict, as CPython's protocol-2 pickler writes it for torch.save. */
    static byte[] statePickle(List<TensorSpec> tensors, boolean legacy) {
        Pickler p = new Pickler();
        p.global("collections", "OrderedDict").raw(')').raw('R').put();
        if (tensors.size() > 1) {
            p.raw('(');
        }
        for (TensorSpec t : tensors) {
            p.string(t.name());
            p.global("torch._utils", "_rebuild_tensor_v2").raw('(');
            p.raw('(')
                    .string("storage")
                    .global("torch", t.storage().storageClass())
                    .string(t.storage().key())
                    .string("cpu")
                    .integer(t.storage().numel());
            if (legacy) {
                p.raw('N');
            }
            p.raw('t').put().raw('Q');
            p.integer(t.offset()).tuple(t.shape()).tuple(t.stride()).raw(0x89);
            p.global("collections", "OrderedDict").raw(')').raw('R').put();
            p.raw('t').put().raw('R').put();
            if (tensors.size() == 1) {
                p.raw('s');
            }
        }
        if (tensors.size() > 1) {
            p.raw('u');
        }
        // state = {'_metadata': OrderedDict([('', {'version': 1})])}, applied with BUILD
        p.raw('}')
                .put()
                .string("_metadata")
                .global("collections", "OrderedDict")
                .raw(')')
                .raw('R')
                .put();
        p.string("").raw('}').put().string("version").integer(1).raw('s').raw('s');
        p.raw('s').raw('b');
        return p.stop().bytes();
    }

    /** Emits opcodes with CPython's memo numbering: every string, global and tuple is BINPUT once, then BINGET. */
    static final class Pickler {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final Map<String, Integer> memo = new HashMap<>();
        private int next;

        Pickler() {
            raw(0x80, 2);
        }

        Pickler raw(int... bytes) {
            for (int b : bytes) {
                out.write(b);
            }
            return this;
        }

        /** BINPUT below 256, LONG_BINPUT above, as CPython does. */
        Pickler put() {
            int index = next++;
            return index < 256 ? raw('q', index) : raw('r').int4(index);
        }

        Pickler get(int index) {
            return index < 256 ? raw('h', index) : raw('j').int4(index);
        }

        private Pickler int4(int v) {
            out.writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(v)
                    .array());
            return this;
        }

        Pickler global(String module, String name) {
            String key = "global:" + module + "." + name;
            if (memo.containsKey(key)) {
                return get(memo.get(key));
            }
            raw('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            memo.put(key, next);
            return put();
        }

        Pickler string(String s) {
            String key = "str:" + s;
            if (memo.containsKey(key)) {
                return get(memo.get(key));
            }
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            raw('X');
            out.writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(utf8.length)
                    .array());
            out.writeBytes(utf8);
            memo.put(key, next);
            return put();
        }

        Pickler integer(long v) {
            if (v >= 0 && v <= 0xff) {
                return raw('K', (int) v);
            }
            if (v >= 0 && v <= 0xffff) {
                return raw('M', (int) (v & 0xff), (int) (v >>> 8));
            }
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                raw('J');
                out.writeBytes(ByteBuffer.allocate(4)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putInt((int) v)
                        .array());
                return this;
            }
            raw(0x8a, 8);
            out.writeBytes(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(v)
                    .array());
            return this;
        }

        Pickler tuple(long[] values) {
            if (values.length == 0) {
                return raw(')');
            }
            if (values.length > 3) {
                raw('(');
            }
            for (long v : values) {
                integer(v);
            }
            return raw(values.length > 3 ? 't' : 0x84 + values.length).put();
        }

        Pickler stop() {
            return raw('.');
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private static void stored(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(bytes.length);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(bytes);
        zip.closeEntry();
    }

    static List<TensorSpec> list(TensorSpec... specs) {
        return new ArrayList<>(List.of(specs));
    }
}
