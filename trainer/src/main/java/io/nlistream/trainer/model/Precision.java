package io.nlistream.trainer.model;

import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * The number type of the frozen base weights while training ({@code --precision}). {@code fp16} is the seed's mixed
 * precision fitted to DJL (which has no autocast): see {@link FrozenBase}.
 *
 * <p>No bf16: DJL 0.36's PyTorch JNI maps number types only up to complex64, and for any other (bfloat16 included)
 * its {@code GetScalarTypeFromDType} runs a bare {@code throw;}, which aborts the JVM (std::terminate). Every cast,
 * creation or load of a bfloat16 tensor goes through it, so bf16 cannot be offered without a patched engine.
 */
public enum Precision {
    FP32(DataType.FLOAT32),
    FP16(DataType.FLOAT16);

    /** Why {@code --precision bf16} is refused (see the class comment). */
    public static final String NO_BF16 = "--precision bf16 is not available: DJL 0.36's PyTorch engine has no"
            + " bfloat16 type (its JNI aborts the JVM on one); use --precision fp16 (GPU, the seed's choice) or fp32";

    private final DataType dataType;

    Precision(DataType dataType) {
        this.dataType = dataType;
    }

    public DataType dataType() {
        return dataType;
    }

    public boolean isHalf() {
        return this != FP32;
    }

    /** Whether the loss needs dynamic scaling: fp16's range ends at 65,504 and small gradients underflow below 6e-8. */
    public boolean needsLossScaling() {
        return this == FP16;
    }

    /** The CLI spelling: fp32, fp16. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses fp32 / fp16 (any case; float32/float16 too); bf16 is refused with {@link #NO_BF16}. */
    public static Precision parse(String text) {
        switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "fp32", "float32" -> {
                return FP32;
            }
            case "fp16", "float16", "half" -> {
                return FP16;
            }
            case "bf16", "bfloat16" -> throw new IllegalArgumentException(NO_BF16);
            default ->
                throw new IllegalArgumentException(
                        "--precision " + text + ": expected fp32 or fp16 (default: fp16 on CUDA, fp32 on CPU)");
        }
    }
}
