package io.nlistream.trainer.checkpoint;

import ai.djl.ndarray.NDArray;

/**
 * Moves an array read from a file into storage libtorch allocates, so that every tensor a checkpoint reader returns
 * lives where libtorch's own tensors do.
 *
 * <p>Why: DJL wraps the Java direct buffer an array was created from (no copy). That buffer is only 16-byte aligned,
 * at an address that depends on the process's allocation history, and MKL's sgemm picks its code path (so its
 * rounding) by alignment: the same weights gave different last bits in different JVMs. libtorch's allocator aligns
 * to 64 bytes in every process.
 */
public final class LibtorchStorage {
    private LibtorchStorage() {}

    /** A libtorch-owned copy of {@code read} on its manager, with its name; {@code read} is closed. */
    public static NDArray adopt(NDArray read) {
        NDArray copy = read.duplicate();
        copy.setName(read.getName());
        read.close();
        return copy;
    }
}
