package io.nlistream.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Issue 12's nondeterminism, pinned: a constant operand must survive until backward even when the garbage collector
 * runs and the freed memory is reused in between. With DJL's own {@code x.mul(3f)} the gradient of sum(3x) read back
 * here is garbage (the scalar's Java buffer was freed and overwritten); {@link Scalars} must give exactly 3 and 1/4.
 */
class ScalarsTest {
    @Test
    void multiplyByAConstantKeepsItsOperandUntilBackward() throws Exception {
        assertThat(gradientAfterGcAndReuse(x -> Scalars.mul(x, 3f))).containsOnly(3f);
    }

    @Test
    void divideByAConstantKeepsItsOperandUntilBackward() throws Exception {
        assertThat(gradientAfterGcAndReuse(x -> Scalars.div(x, 4f))).containsOnly(0.25f);
    }

    @Test
    void resultsAreThoseOfDjlsScalarOps() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(64));
            assertThat(Scalars.mul(x, 0.125f).toFloatArray())
                    .isEqualTo(x.mul(0.125f).toFloatArray());
            assertThat(Scalars.div(x, 11.3137085f).toFloatArray())
                    .isEqualTo(x.div(11.3137085f).toFloatArray());
        }
    }

    private static float[] gradientAfterGcAndReuse(UnaryOperator<NDArray> op) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.ones(new Shape(4));
            x.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray y = op.apply(x).sum();
                System.gc(); // would free a Java-backed operand (nothing references it once the op returned)
                Thread.sleep(200); // the cleaner thread releases the memory
                List<ByteBuffer> reuse = new ArrayList<>(); // small direct buffers land on any freed chunk
                for (int i = 0; i < 20_000; i++) {
                    reuse.add(ByteBuffer.allocateDirect(4)
                            .order(ByteOrder.nativeOrder())
                            .putFloat(0, Float.NaN));
                }
                collector.backward(y);
                assertThat(reuse).hasSize(20_000);
            }
            return x.getGradient().toFloatArray();
        }
    }
}
