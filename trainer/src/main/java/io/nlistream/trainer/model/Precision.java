package io.nlistream.trainer.model;

import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * The number type of the training's matrix products ({@code --precision}). {@code fp16} is the seed's mixed precision
 * fitted to DJL (which has no autocast): the frozen base is stored in float16, see {@link FrozenBase}.
 *
 * <p>{@code bf16} keeps every tensor float32 and has oneDNN round the products' inputs to bf16 (CPU only, see
 * {@code engine/Float32Matmul}): DJL 0.36's PyTorch JNI maps number types only up to complex64, and for any other
 * (bfloat16 included) its {@code GetScalarTypeFromDType} runs a bare {@code throw;}, which aborts the JVM
 * (std::terminate), so no bfloat16 tensor can be made, cast or loaded. That is torch's bf16 autocast on a CPU for the
 * products (all of them: the base's, LoRA's and the head's, as autocast casts every linear), without the memory of a
 * bf16 base.
 */
public enum Precision {
    FP32(DataType.FLOAT32),
    FP16(DataType.FLOAT16),
    BF16(DataType.FLOAT32);

    private final DataType dataType;

    Precision(DataType dataType) {
        this.dataType = dataType;
    }

    /** The number type the frozen base is stored in. */
    public DataType dataType() {
        return dataType;
    }

    /** Whether {@link FrozenBase} casts the frozen base (fp16); bf16 leaves it float32. */
    public boolean castsBase() {
        return dataType != DataType.FLOAT32;
    }

    /** Whether the loss needs dynamic scaling: fp16's range ends at 65,504 and small gradients underflow below 6e-8. */
    public boolean needsLossScaling() {
        return this == FP16;
    }

    /** The CLI spelling: fp32, fp16, bf16. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses fp32 / fp16 / bf16 (any case; float32, float16, half, bfloat16 too). */
    public static Precision parse(String text) {
        switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "fp32", "float32" -> {
                return FP32;
            }
            case "fp16", "float16", "half" -> {
                return FP16;
            }
            case "bf16", "bfloat16" -> {
                return BF16;
            }
            default ->
                throw new IllegalArgumentException(
                        "--precision " + text + ": expected fp32, fp16 or bf16 (default: fp16 on CUDA, fp32 on CPU)");
        }
    }
}
