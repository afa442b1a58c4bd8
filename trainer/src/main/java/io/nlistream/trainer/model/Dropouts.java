package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/** Dropout that, like PyTorch's, acts only in training mode and is free when the rate is 0. */
public final class Dropouts {
    /** Elements per independently seeded stream: the masks do not depend on how many threads draw them. */
    private static final int CHUNK = 1 << 18;

    private static final Object LOCK = new Object();
    private static SplittableRandom generator = new SplittableRandom(0);
    private static ByteBuffer staging = ByteBuffer.allocateDirect(0);

    private Dropouts() {}

    /** Restarts the CPU masks' generator; {@link Seeds#set} calls it with the engine's seed. */
    static void seed(long seed) {
        synchronized (LOCK) {
            generator = new SplittableRandom(seed);
        }
    }

    public static NDArray apply(NDArray x, float rate, boolean training) {
        if (!training || rate <= 0f) {
            return x;
        }
        if (rate >= 1f || x.getDevice().isGpu()) {
            // on a GPU the engine's dropout is the fused kernel, which already keeps a 1-byte mask
            return Dropout.dropout(x, rate, true).singletonOrThrow();
        }
        // On CPU the engine's dropout multiplies by an fp32 noise tensor (its inverted-scale keep mask) and autograd
        // keeps that tensor until backward: 4 bytes an element, a quarter of what the seed's step saves. A boolean
        // keep mask is saved instead (1 byte): the product with a mask that needs no gradient saves only the mask,
        // and the scaling a 0-d libtorch-owned scalar (Scalars). Same distribution: keep with probability 1 - rate,
        // scale 1 / (1 - rate).
        NDArray keep = keepMask(x.getManager(), x.getShape(), rate);
        NDArray kept = x.mul(keep);
        keep.close(); // autograd holds its own reference to what it saved
        NDArray out = Scalars.mul(kept, 1f / (1f - rate));
        kept.close(); // not saved: freed now rather than when the layer's scope ends
        return out;
    }

    /**
     * A boolean tensor, true with probability {@code 1 - rate}. Drawn here rather than by the engine: libtorch's CPU
     * {@code uniform_} is a serial Mersenne-twister loop (3 ns an element, then a 0.7 ns compare), which made the
     * masks 21 % of the seed's forward; DJL exposes no other generator. SplittableRandom streams, one per fixed-size
     * chunk split off in order, draw the same bits on any number of threads, so a seeded run is reproducible.
     */
    static NDArray keepMask(NDManager manager, Shape shape, float rate) {
        long size = shape.size();
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("dropout over more than 2^31 elements: " + shape);
        }
        int n = (int) size;
        // keep when a uniform 32-bit draw is >= threshold: P(keep) = 1 - rate to within 2^-32
        long threshold = (long) Math.ceil(rate * 0x1p32);
        synchronized (LOCK) {
            if (staging.capacity() < n) {
                staging = ByteBuffer.allocateDirect(Math.max(n, staging.capacity() * 2))
                        .order(ByteOrder.LITTLE_ENDIAN);
            }
            ByteBuffer out = staging;
            int chunks = (n + CHUNK - 1) / CHUNK;
            SplittableRandom[] streams = new SplittableRandom[chunks];
            SplittableRandom call = generator.split();
            for (int c = 0; c < chunks; c++) {
                streams[c] = call.split();
            }
            IntStream range = IntStream.range(0, chunks);
            (chunks > 1 ? range.parallel() : range)
                    .forEach(c -> fill(out, c * CHUNK, Math.min(n, (c + 1) * CHUNK), streams[c], threshold));
            // DJL makes a tensor over a direct buffer without a copy (set(Buffer) too): the clone is libtorch-owned, so
            // the next mask can reuse the staging buffer while autograd still holds this one
            try (NDArray staged = manager.create(out.duplicate().position(0).limit(n), shape, DataType.BOOLEAN)) {
                return staged.duplicate();
            }
        }
    }

    /** Writes bytes 1 (keep) / 0, eight at a time, from two 32-bit draws per 64-bit random. */
    private static void fill(ByteBuffer out, int from, int to, SplittableRandom random, long threshold) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long packed = 0;
            for (int j = 0; j < 8; j += 2) {
                long bits = random.nextLong();
                packed |= keepBit(bits >>> 32, threshold) << (8 * j);
                packed |= keepBit(bits & 0xffffffffL, threshold) << (8 * j + 8);
            }
            out.putLong(i, packed);
        }
        for (; i < to; i++) {
            out.put(i, (byte) keepBit(random.nextLong() >>> 32, threshold));
        }
    }

    /** 1 when {@code draw >= threshold}, both in [0, 2^32], without a branch the draws would mispredict. */
    private static long keepBit(long draw, long threshold) {
        return 1 - ((draw - threshold) >>> 63);
    }
}
