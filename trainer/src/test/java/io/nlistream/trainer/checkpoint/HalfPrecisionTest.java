package io.nlistream.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Java F16 conversions agree bit for bit with PyTorch's (the oracle: DJL's FLOAT16 casts run libtorch). */
class HalfPrecisionTest {
    @Test
    void f16MatchesPyTorchBothWays() {
        Random random = new Random(7);
        float[] values = new float[20_000];
        for (int i = 0; i < values.length; i++) {
            double magnitude = Math.pow(2, random.nextInt(44) - 28); // subnormals, normals, overflow
            values[i] = (float) ((random.nextBoolean() ? 1 : -1) * magnitude * (1 + random.nextDouble()));
        }
        values[0] = 0f;
        values[1] = -0f;
        values[2] = 65504f;
        values[3] = 65520f; // rounds to infinity
        values[4] = 1f + 0x1p-11f; // tie: rounds to even (1.0)
        values[5] = 0x1p-25f; // tie below the smallest subnormal: rounds to 0
        values[6] = Float.POSITIVE_INFINITY;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray half = m.create(values).toType(DataType.FLOAT16, false);
            ByteBuffer torchBits = half.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            float[] torchWidened = half.toType(DataType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < values.length; i++) {
                short expected = torchBits.getShort(i * 2);
                assertThat(HalfPrecision.floatToF16(values[i]))
                        .as("f16 of %s", values[i])
                        .isEqualTo(expected);
                assertThat(HalfPrecision.f16ToFloat(expected))
                        .as("f32 of f16 bits %s", expected)
                        .isEqualTo(torchWidened[i]);
            }
        }
    }

    @Test
    void bf16RoundsToNearestEvenAndWidensExactly() {
        assertThat(HalfPrecision.bf16ToFloat(HalfPrecision.floatToBf16(1.5f))).isEqualTo(1.5f);
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1.0)
        assertThat(HalfPrecision.bf16ToFloat(HalfPrecision.floatToBf16(1f + 0x1p-8f)))
                .isEqualTo(1f);
        assertThat(HalfPrecision.bf16ToFloat(HalfPrecision.floatToBf16(1f + 0x1p-8f + 0x1p-20f)))
                .isEqualTo(1f + 0x1p-7f);
        assertThat(HalfPrecision.bf16ToFloat(HalfPrecision.floatToBf16(-3.0e38f)))
                .isEqualTo(-3.0040553e38f); // nearer of 2.99076e38, 3.00406e38
        assertThat(HalfPrecision.bf16ToFloat(HalfPrecision.floatToBf16(Float.NaN)))
                .isNaN();
        Random random = new Random(3);
        for (int i = 0; i < 10_000; i++) {
            float v = (float) random.nextGaussian();
            float r = HalfPrecision.bf16ToFloat(HalfPrecision.floatToBf16(v));
            assertThat(Math.abs(r - v)).isLessThanOrEqualTo(Math.abs(v) * 0x1p-8f);
        }
    }
}
