package io.nlistream.trainer.cli;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * How the trainer's process allocates the engine's CPU tensors, set before the engine loads. libtorch takes every
 * CPU tensor from glibc's malloc, whose mmap threshold grows with the first large frees (up to 32 MiB): after that,
 * tensors come from heap arenas that fragment and are not given back, and a training step's peak resident memory is
 * about half freed blocks. A fixed threshold maps each large tensor on its own and unmaps it when freed, so resident
 * memory follows what is alive; libtorch's {@code THP_MEM_ALLOC_ENABLE} backs those tensors with 2 MiB pages, so
 * mapping them anew costs a fault per 2 MiB instead of per 4 KiB.
 *
 * <p>glibc's own tunables, set through JNA (which DJL already ships) because a {@code java -jar} command cannot set
 * its environment; an operator's explicit {@code MALLOC_*} or {@code THP_MEM_ALLOC_ENABLE} environment wins. Opt-in
 * ({@code -Dnli.malloc=mapped}): it cuts the seed's CPU step from 8.5 to 4.9 GB peak but every fresh tensor's pages
 * are zeroed anew, about 1.2x the CPU time (docs/training.md).
 *
 * <p>The better answer is a caching allocator (tcmalloc, jemalloc), which keeps freed blocks without fragmenting:
 * less memory than glibc's heap and none of the mapped setting's page zeroing. It has to be preloaded before the JVM
 * starts, which {@code trainer/bin/nli-trainer} does; {@link #allocator()} says which one this process runs on.
 */
final class NativeMemory {
    /** glibc's {@code M_MMAP_THRESHOLD}: allocations of this size and more are mapped on their own. */
    private static final int M_MMAP_THRESHOLD = -3;
    /** 1 MiB: every activation of a real batch is larger; small blocks (shapes, scalars) stay in the heap. */
    static final int MMAP_THRESHOLD_BYTES = 1 << 20;

    private NativeMemory() {}

    /** The C library functions used, by their C names. */
    interface LibC extends Library {
        int mallopt(int param, int value);

        int setenv(String name, String value, int overwrite);
    }

    /**
     * The C allocator this process runs on, as the step benchmark and {@code train} print it: {@code tcmalloc} or
     * {@code jemalloc} when one is loaded (preloaded by the launcher), else {@code glibc} ({@code glibc, mapped} with
     * {@code -Dnli.malloc=mapped}) on Linux, {@code system} elsewhere.
     */
    static String allocator() {
        if (!Platform.isLinux()) {
            return "system";
        }
        try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
            // a loaded library's file name, e.g. /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4.5.10
            Optional<String> cached = maps.map(line -> line.substring(line.lastIndexOf('/') + 1))
                    .filter(name -> name.startsWith("libtcmalloc") || name.startsWith("libjemalloc"))
                    .findFirst();
            if (cached.isPresent()) {
                return cached.get().startsWith("libtcmalloc") ? "tcmalloc" : "jemalloc";
            }
        } catch (IOException | UncheckedIOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
        return mapped() ? "glibc, mapped" : "glibc";
    }

    /** {@code -Dnli.malloc=mapped}: the opt-in glibc setting of {@link #configure}. */
    private static boolean mapped() {
        return "mapped".equals(System.getProperty("nli.malloc"));
    }

    /** With {@code -Dnli.malloc=mapped}, applies the settings on Linux/glibc; a no-op otherwise. */
    static void configure() {
        if (!Platform.isLinux() || !mapped()) {
            return;
        }
        try {
            LibC libc = Native.load("c", LibC.class);
            if (System.getenv("MALLOC_MMAP_THRESHOLD_") == null) {
                libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
            }
            libc.setenv("THP_MEM_ALLOC_ENABLE", "1", 0); // 0: keeps an explicit setting
        } catch (LinkageError e) {
            // not glibc (musl) or JNA cannot load: the defaults stay, only memory use differs
        }
    }
}
