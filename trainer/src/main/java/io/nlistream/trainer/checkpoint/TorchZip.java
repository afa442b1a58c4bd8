package io.nlistream.trainer.checkpoint;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The zip container of {@code torch.save}, read from its central directory with entries memory-mapped in place.
 * torch writes every record uncompressed (STORED) and, through miniz, adds zip64 fields that some JDK releases'
 * {@link java.util.zip.ZipFile} validation rejects; this reader only needs the spec's basics, so it takes them.
 * DEFLATED entries (a re-zipped archive) are inflated into memory.
 */
final class TorchZip implements Closeable {
    private static final int EOCD = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;
    private static final long MAX32 = 0xffffffffL;

    private record Entry(int method, long compressedSize, long size, long localHeader) {}

    private final FileChannel channel;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private TorchZip(FileChannel channel) {
        this.channel = channel;
    }

    static TorchZip open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        TorchZip zip = new TorchZip(channel);
        try {
            zip.readCentralDirectory();
            return zip;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e instanceof IOException io ? io : new IOException("corrupt zip archive: " + e, e);
        }
    }

    Set<String> names() {
        return entries.keySet();
    }

    boolean has(String name) {
        return entries.containsKey(name);
    }

    /** The entry's bytes, little-endian: a read-only mapping of the file for STORED entries. */
    ByteBuffer read(String name) throws IOException {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IOException("the archive has no record " + name);
        }
        ByteBuffer local = map(e.localHeader(), 30);
        if (local.getInt(0) != LOCAL) {
            throw new IOException("record " + name + " has no local header where the directory says");
        }
        long data = e.localHeader() + 30 + (local.getShort(26) & 0xffff) + (local.getShort(28) & 0xffff);
        if (e.method() == 0) {
            if (e.size() != e.compressedSize()) {
                throw new IOException("record " + name + " is stored with two different sizes");
            }
            return map(data, e.size());
        }
        if (e.method() == 8) {
            return inflate(name, map(data, e.compressedSize()), e.size());
        }
        throw new IOException("record " + name + " uses zip compression method " + e.method()
                + "; torch.save writes uncompressed records");
    }

    private void readCentralDirectory() throws IOException {
        long length = channel.size();
        int tailLength = (int) Math.min(length, 22 + 65535);
        ByteBuffer tail = map(length - tailLength, tailLength);
        int eocd = -1;
        for (int i = tailLength - 22; i >= 0; i--) {
            if (tail.getInt(i) == EOCD) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            throw new IOException("no zip end-of-central-directory record (truncated download?)");
        }
        long count = tail.getShort(eocd + 10) & 0xffff;
        long cdSize = tail.getInt(eocd + 12) & MAX32;
        long cdOffset = tail.getInt(eocd + 16) & MAX32;
        if (eocd >= 20 && tail.getInt(eocd - 20) == ZIP64_LOCATOR) {
            ByteBuffer z = map(tail.getLong(eocd - 20 + 8), 56);
            if (z.getInt(0) != ZIP64_EOCD) {
                throw new IOException("broken zip64 end-of-central-directory record");
            }
            count = z.getLong(32);
            cdSize = z.getLong(40);
            cdOffset = z.getLong(48);
        }
        ByteBuffer cd = map(cdOffset, cdSize);
        int at = 0;
        for (long i = 0; i < count; i++) {
            if (cd.getInt(at) != CENTRAL) {
                throw new IOException("corrupt zip central directory");
            }
            int method = cd.getShort(at + 10) & 0xffff;
            long compressed = cd.getInt(at + 20) & MAX32;
            long size = cd.getInt(at + 24) & MAX32;
            int nameLength = cd.getShort(at + 28) & 0xffff;
            int extraLength = cd.getShort(at + 30) & 0xffff;
            int commentLength = cd.getShort(at + 32) & 0xffff;
            long offset = cd.getInt(at + 42) & MAX32;
            byte[] nameBytes = new byte[nameLength];
            cd.get(at + 46, nameBytes);
            // zip64 extra field: 8-byte values, in this order, for exactly the fields saturated above
            for (int x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength; ) {
                int id = cd.getShort(x) & 0xffff;
                int dataSize = cd.getShort(x + 2) & 0xffff;
                if (id == 1) {
                    int p = x + 4;
                    if (size == MAX32) {
                        size = cd.getLong(p);
                        p += 8;
                    }
                    if (compressed == MAX32) {
                        compressed = cd.getLong(p);
                        p += 8;
                    }
                    if (offset == MAX32) {
                        offset = cd.getLong(p);
                    }
                }
                x += 4 + dataSize;
            }
            entries.put(
                    new String(nameBytes, java.nio.charset.StandardCharsets.UTF_8),
                    new Entry(method, compressed, size, offset));
            at += 46 + nameLength + extraLength + commentLength;
        }
    }

    private ByteBuffer map(long position, long size) throws IOException {
        if (position < 0 || size < 0 || position + size > channel.size()) {
            throw new IOException("zip record at " + position + " (+" + size + " bytes) lies outside the file"
                    + " (truncated download?)");
        }
        if (size > Integer.MAX_VALUE) {
            throw new IOException("a single zip record over 2 GiB is not supported");
        }
        return channel.map(FileChannel.MapMode.READ_ONLY, position, size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer inflate(String name, ByteBuffer compressed, long size) throws IOException {
        if (size > Integer.MAX_VALUE) {
            throw new IOException("compressed record " + name + " is over 2 GiB");
        }
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(compressed);
            byte[] out = new byte[(int) size];
            int n = 0;
            while (n < out.length && !inflater.finished()) {
                int got = inflater.inflate(out, n, out.length - n);
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                n += got;
            }
            if (n != out.length) {
                throw new IOException("record " + name + " inflates to " + n + " bytes, not " + size);
            }
            return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        } catch (DataFormatException e) {
            throw new IOException("record " + name + " is corrupt: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
