package io.nlistream.trainer.train;

import ai.djl.ndarray.NDArray;
import java.util.Collection;

/**
 * {@code torch.nn.utils.clip_grad_norm_}: the global L2 norm over all gradients, and when it exceeds {@code maxNorm}
 * every gradient is scaled by {@code maxNorm / (norm + 1e-6)}. DJL's clipping clamps each element instead, which
 * changes the update direction.
 */
public final class GradientClipping {
    private GradientClipping() {}

    /** Clips in place; returns the norm before clipping. */
    public static double clipGlobalNorm(Collection<NDArray> gradients, double maxNorm) {
        double sumSquares = 0;
        for (NDArray g : gradients) {
            try (NDArray sq = g.square();
                    NDArray s = sq.sum()) {
                sumSquares +=
                        s.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
            }
        }
        double norm = Math.sqrt(sumSquares);
        double coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1) {
            for (NDArray g : gradients) {
                g.muli(coefficient);
            }
        }
        return norm;
    }
}
