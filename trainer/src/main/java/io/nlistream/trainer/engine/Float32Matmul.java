package io.nlistream.trainer.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import io.nlistream.trainer.model.Precision;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which CPU kernels run the engine's float32 matrix products (every mm, bmm and addmm, forward and backward):
 * libtorch's float32 matmul precision, {@code torch.set_float32_matmul_precision} in Python.
 *
 * <ul>
 *   <li>{@link Kernels#MKL}, libtorch's default ("highest"): MKL's sgemm.
 *   <li>{@link Kernels#ONEDNN} ("medium"): oneDNN's matmul with bf16 "fpmath" (torch's "bf32"). On a CPU with AMX,
 *       oneDNN rounds each product's inputs to bf16 and accumulates in fp32; on AVX-512 without AMX it computes in
 *       fp32, because its down-conversion lives only in its AMX kernels ({@code ONEDNN_VERBOSE} on an AMD EPYC:
 *       {@code brg_matmul:avx512_core}, 8e-7 relative to MKL). On a CPU without AVX-512 libtorch stays on MKL.
 * </ul>
 *
 * <p>Which one a run gets is decided by {@link #choose}, and {@link #apply} measures what it does rather than
 * trusting the CPU's flags: a probe product against MKL's tells whether the products are rounded to bf16.
 *
 * <p>DJL has no binding for this setting, so it is set through JNA (which DJL ships) on the libtorch DJL loaded:
 * {@code at::globalContext()} and {@code at::Context::setFloat32MatmulPrecision(Float32MatmulPrecision)}, C++
 * symbols libtorch_cpu exports (libtorch 2.x; the enum is HIGHEST, HIGH, MEDIUM).
 */
public final class Float32Matmul {
    /** {@code -Dnli.cpu.matmul=auto|mkl|onednn}: the fp32 kernels on a CPU (auto: see {@link #choose}). */
    public static final String PROPERTY = "nli.cpu.matmul";

    /** A probe product whose relative difference to MKL's exceeds this was rounded (bf16's unit roundoff: 3.9e-3). */
    static final double ROUNDED = 1e-4;

    private static final int HIGHEST = 0;
    private static final int MEDIUM = 2;

    public enum Kernels {
        MKL,
        ONEDNN;

        int libtorchPrecision() {
            return this == MKL ? HIGHEST : MEDIUM;
        }

        public String label() {
            return this == MKL ? "MKL" : "oneDNN";
        }
    }

    /** What a run asks for: the kernels, whether bf16 products are wanted, and why (printed by the commands). */
    public record Choice(Kernels kernels, boolean bf16, String why) {}

    /** What {@link #apply} set, and what its probe product measured; closing it restores the previous setting. */
    public record Applied(
            Kernels kernels, boolean bf16Products, double probeDifference, String description, int previous)
            implements AutoCloseable {
        /** The kernels' name as the benchmark prints it (cuBLAS on a GPU). */
        public String label() {
            return kernels == null ? "cuBLAS" : kernels.label();
        }

        @Override
        public void close() {
            Binding.find().ifPresent(b -> b.set(previous));
        }
    }

    private Float32Matmul() {}

    /**
     * The kernels for a run at {@code precision}.
     *
     * <ul>
     *   <li>On a GPU: untouched (cuBLAS; libtorch's default keeps fp32 products exact). bf16 is refused.
     *   <li>bf16 on a CPU: oneDNN, which needs AVX-512.
     *   <li>fp32 on a CPU: {@code override} ({@link #PROPERTY}) or auto, which takes oneDNN on an AMD CPU with AVX-512
     *       and no AMX (exact fp32 there, and faster than MKL: the seed's step 1.27x on an AMD EPYC, docs/training.md)
     *       and MKL elsewhere (tuned for Intel; on AMX oneDNN would round to bf16).
     *   <li>fp16 on a CPU: MKL (float16 products do not go through it).
     * </ul>
     *
     * @throws IllegalArgumentException for a combination that cannot run, saying what to use
     */
    public static Choice choose(Precision precision, boolean gpu, CpuFeatures cpu, String override) {
        String mode = override == null ? "auto" : override.trim().toLowerCase(Locale.ROOT);
        if (!mode.equals("auto") && !mode.equals("mkl") && !mode.equals("onednn")) {
            throw new IllegalArgumentException(
                    "-D" + PROPERTY + "=" + override + ": expected auto, mkl or onednn (default auto)");
        }
        boolean bf16 = precision == Precision.BF16;
        if (gpu) {
            if (bf16) {
                throw new IllegalArgumentException("--precision bf16 is for CPUs (oneDNN's bf16 products); on a GPU"
                        + " use fp16, the seed's choice (DJL's engine has no bfloat16 tensors, and a T4 no bf16"
                        + " units)");
            }
            return new Choice(null, false, "cuBLAS, fp32 products exact (libtorch's default)");
        }
        if (bf16) {
            if (!mode.equals("auto")) {
                throw new IllegalArgumentException("-D" + PROPERTY + "=" + mode
                        + " with --precision bf16: bf16 products are oneDNN's; drop the property");
            }
            if (!cpu.avx512Core()) {
                throw new IllegalArgumentException("--precision bf16 runs the products through oneDNN's bf16 matmul,"
                        + " which needs AVX-512 (F, BW, VL, DQ); this CPU (" + cpu.model() + ") has none: use fp32");
            }
            return new Choice(Kernels.ONEDNN, true, "oneDNN with bf16 math");
        }
        if (precision == Precision.FP16) {
            return new Choice(Kernels.MKL, false, "MKL (float16 products run in libtorch's own kernels)");
        }
        switch (mode) {
            case "mkl" -> {
                return new Choice(Kernels.MKL, false, "MKL (-D" + PROPERTY + "=mkl)");
            }
            case "onednn" -> {
                if (cpu.amxBf16()) {
                    throw new IllegalArgumentException("-D" + PROPERTY + "=onednn: on this AMX CPU oneDNN rounds fp32"
                            + " products to bf16, which is --precision bf16; use that, or mkl for exact fp32");
                }
                if (!cpu.avx512Core()) {
                    throw new IllegalArgumentException("-D" + PROPERTY + "=onednn needs AVX-512 (libtorch takes"
                            + " oneDNN for fp32 products only there); this CPU (" + cpu.model() + ") has none");
                }
                return new Choice(Kernels.ONEDNN, false, "oneDNN, fp32 (-D" + PROPERTY + "=onednn)");
            }
            default -> {
                if (cpu.amd() && cpu.avx512Core() && !cpu.amxBf16()) {
                    return new Choice(Kernels.ONEDNN, false, "oneDNN, fp32 (faster than MKL on AMD AVX-512)");
                }
                return new Choice(Kernels.MKL, false, "MKL");
            }
        }
    }

    /**
     * Sets the chosen kernels for this process (the engine must be loaded: after the first {@link NDManager}) and
     * checks them with a probe product: a bf16 choice reports whether the products really are rounded; an fp32 choice
     * of oneDNN that rounds them falls back to MKL, so an fp32 run never computes in bf16.
     */
    public static Applied apply(Choice choice, NDManager manager) {
        Optional<Binding> binding = Binding.find();
        int previous = binding.map(Binding::get).orElse(HIGHEST);
        if (choice.kernels() == null) {
            return new Applied(null, false, 0, choice.why(), previous);
        }
        if (binding.isEmpty()) {
            if (choice.kernels() == Kernels.MKL) {
                return new Applied(Kernels.MKL, false, 0, choice.why(), previous);
            }
            throw new IllegalStateException("oneDNN products need libtorch's float32 matmul setting, reached through"
                    + " libtorch_cpu in /proc/self/maps (Linux only); none found: use fp32 with -D" + PROPERTY
                    + "=mkl");
        }
        Binding b = binding.get();
        b.set(choice.kernels().libtorchPrecision());
        if (choice.kernels() == Kernels.MKL) {
            return new Applied(Kernels.MKL, false, 0, choice.why(), previous); // the probe's reference itself
        }
        double diff = probeDifference(b, manager);
        boolean rounded = diff > ROUNDED;
        if (!choice.bf16() && rounded) {
            b.set(HIGHEST);
            return new Applied(
                    Kernels.MKL,
                    false,
                    diff,
                    String.format(
                            Locale.ROOT,
                            "MKL: oneDNN rounded a probe fp32 product here (%.1e relative), so fp32 stays on MKL",
                            diff),
                    previous);
        }
        String what = choice.bf16()
                ? (rounded
                        ? "bf16 products: oneDNN rounds each fp32 product's inputs to bf16 and accumulates in fp32"
                        : "oneDNN keeps the products in fp32 on this CPU (it rounds to bf16 only on AMX): this bf16"
                                + " run computes fp32")
                : choice.why();
        return new Applied(
                Kernels.ONEDNN,
                choice.bf16() && rounded,
                diff,
                String.format(Locale.ROOT, "%s (probe vs MKL: %.1e relative)", what, diff),
                previous);
    }

    /** The kernels libtorch uses now (MKL when the setting cannot be read: libtorch's default). */
    public static Kernels current() {
        return Binding.find()
                .map(b -> b.get() == MEDIUM ? Kernels.ONEDNN : Kernels.MKL)
                .orElse(Kernels.MKL);
    }

    /** max |C - C_mkl| / max |C_mkl| of a 256 x 512 x 256 product in the current setting against MKL's. */
    private static double probeDifference(Binding b, NDManager manager) {
        int now = b.get();
        try (NDManager probe = manager.newSubManager(ai.djl.Device.cpu())) {
            NDArray x = probe.randomUniform(-1f, 1f, new Shape(256, 512));
            NDArray y = probe.randomUniform(-1f, 1f, new Shape(512, 256));
            NDArray c = x.matMul(y);
            b.set(HIGHEST);
            NDArray reference = x.matMul(y);
            b.set(now);
            return c.sub(reference).abs().max().getFloat()
                    / (double) reference.abs().max().getFloat();
        }
    }

    /** libtorch's {@code at::Context} float32 matmul precision, through JNA. */
    private record Binding(Pointer context, Function getter, Function setter) {
        private static volatile Optional<Binding> found;

        static Optional<Binding> find() {
            Optional<Binding> f = found;
            if (f == null) {
                synchronized (Binding.class) {
                    if (found == null) {
                        found = load();
                    }
                    f = found;
                }
            }
            return f;
        }

        private static Optional<Binding> load() {
            Engine.getEngine("PyTorch"); // loads libtorch if nothing has yet
            Optional<String> path = libtorchCpu();
            if (path.isEmpty()) {
                return Optional.empty();
            }
            NativeLibrary lib = NativeLibrary.getInstance(path.get());
            Pointer context = lib.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0]);
            return Optional.of(new Binding(
                    context,
                    lib.getFunction("_ZNK2at7Context22float32MatmulPrecisionEv"),
                    lib.getFunction("_ZN2at7Context25setFloat32MatmulPrecisionENS_22Float32MatmulPrecisionE")));
        }

        /** The libtorch_cpu this process loaded (DJL's cache), from /proc/self/maps. */
        private static Optional<String> libtorchCpu() {
            try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
                return maps.filter(l -> l.endsWith("/libtorch_cpu.so"))
                        .map(l -> l.substring(l.indexOf('/')))
                        .findFirst();
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        }

        int get() {
            return getter.invokeInt(new Object[] {context});
        }

        void set(int precision) {
            setter.invokeVoid(new Object[] {context, precision});
        }
    }
}
