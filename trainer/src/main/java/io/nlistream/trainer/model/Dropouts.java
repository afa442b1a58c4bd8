package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/** Dropout that, like PyTorch's, acts only in training mode and is free when the rate is 0. */
public final class Dropouts {
    /** Elements per independently seeded stream: the masks do not depend on how many threads draw them. */
    private static final int CHUNK = 1 << 18;

    private static final Object LOCK = new Object();
    private static SplittableRandom generator = new SplittableRandom(0);

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
        // On CPU the engine's dropout draws with libtorch's serial generator (see scaledMask). A boolean mask would
        // save 1 byte an element instead of 4, but libtorch promotes it to float for the product in forward and again
        // in backward, and the 1 / (1 - rate) scale is one more pass each way: at the seed's step those four passes
        // cost ~0.3 s, the float mask ~0.6 GB of its 4.3 GiB peak. The product with a mask that needs no gradient
        // saves only the mask.
        try (NDArray mask = scaledMask(x.getManager(), x.getShape(), rate)) {
            return x.mul(mask); // autograd holds its own reference to the mask
        }
    }

    /**
     * A float32 tensor of {@code 1 / (1 - rate)} with probability {@code 1 - rate}, else 0: inverted dropout's
     * scaled keep mask, so that {@code x·mask} is PyTorch's dropout of x. Drawn here rather than by the engine:
     * libtorch's CPU {@code uniform_} is a serial Mersenne-twister loop (3 ns an element, then a 0.7 ns compare),
     * which made the masks 21 % of the seed's forward; DJL exposes no other generator. SplittableRandom streams, one
     * per fixed-size chunk split off in order, draw the same bits on any number of threads, so a seeded run is
     * reproducible. The draws are written straight into the tensor's libtorch-owned memory (no staging copy).
     */
    static NDArray scaledMask(NDManager manager, Shape shape, float rate) {
        long size = shape.size();
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("dropout over more than 2^31 elements: " + shape);
        }
        int n = (int) size;
        // keep when a uniform 32-bit draw is >= threshold: P(keep) = 1 - rate to within 2^-32
        long threshold = (long) Math.ceil(rate * 0x1p32);
        int scale = Float.floatToRawIntBits(1f / (1f - rate));
        NDArray mask = manager.create(shape, DataType.FLOAT32);
        // a direct view of the tensor's own memory (it is contiguous and on the CPU)
        IntBuffer out = mask.toByteBuffer(true).order(ByteOrder.nativeOrder()).asIntBuffer();
        synchronized (LOCK) {
            int chunks = (n + CHUNK - 1) / CHUNK;
            SplittableRandom[] streams = new SplittableRandom[chunks];
            SplittableRandom call = generator.split();
            for (int c = 0; c < chunks; c++) {
                streams[c] = call.split();
            }
            IntStream range = IntStream.range(0, chunks);
            (chunks > 1 ? range.parallel() : range)
                    .forEach(c -> fill(out, c * CHUNK, Math.min(n, (c + 1) * CHUNK), streams[c], threshold, scale));
        }
        return mask;
    }

    /** Writes {@code scale} (keep) or 0 as float bits, two 32-bit draws per 64-bit random. */
    private static void fill(IntBuffer out, int from, int to, SplittableRandom random, long threshold, int scale) {
        int i = from;
        for (; i + 2 <= to; i += 2) {
            long bits = random.nextLong();
            out.put(i, (int) (keepBit(bits >>> 32, threshold) * scale));
            out.put(i + 1, (int) (keepBit(bits & 0xffffffffL, threshold) * scale));
        }
        if (i < to) {
            out.put(i, (int) (keepBit(random.nextLong() >>> 32, threshold) * scale));
        }
    }

    /** 1 when {@code draw >= threshold}, both in [0, 2^32], without a branch the draws would mispredict. */
    private static long keepBit(long draw, long threshold) {
        return 1 - ((draw - threshold) >>> 63);
    }
}
