package io.nlistream.trainer.checkpoint;

/**
 * IEEE half (F16) and bfloat16 (BF16) conversions done in Java: DJL crashes the JVM on BF16 arrays, so 16-bit
 * checkpoints are widened to F32 before any NDArray exists. Narrowing rounds to nearest even, as PyTorch's
 * {@code .half()} and {@code .bfloat16()} do.
 */
public final class HalfPrecision {
    private HalfPrecision() {}

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x0040); // keep sign, force a quiet NaN
        }
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    public static float f16ToFloat(short half) {
        int h = half & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1F;
        int mantissa = h & 0x3FF;
        if (exponent == 0x1F) { // inf or NaN
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            if (mantissa == 0) {
                return Float.intBitsToFloat(sign);
            }
            // subnormal half: value = mantissa * 2^-24, exact in float
            float v = mantissa * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    public static short floatToF16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7FFFFFFF;
        if (abs >= 0x7F800000) { // inf or NaN
            return (short) (sign | 0x7C00 | (abs > 0x7F800000 ? 0x200 : 0));
        }
        if (abs >= 0x477FF000) { // rounds to >= 65520: overflow to inf
            return (short) (sign | 0x7C00);
        }
        if (abs < 0x38800000) { // below the smallest normal half (2^-14): subnormal or zero
            float magnitude = Float.intBitsToFloat(abs);
            int scaled = Math.round(magnitude * 0x1p24f); // Math.round is half-up; fix ties to even below
            float exact = magnitude * 0x1p24f;
            if (exact - (float) Math.floor(exact) == 0.5f && (scaled & 1) == 1) {
                scaled--;
            }
            return (short) (sign | scaled);
        }
        int exponent = ((abs >>> 23) - 112) << 10;
        int mantissa = abs & 0x7FFFFF;
        int half = exponent | (mantissa >>> 13);
        int rest = mantissa & 0x1FFF;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++; // may carry into the exponent, which is the correct rounding
        }
        return (short) (sign | half);
    }
}
