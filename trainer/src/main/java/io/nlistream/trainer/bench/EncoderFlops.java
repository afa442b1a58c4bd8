package io.nlistream.trainer.bench;

import io.nlistream.trainer.checkpoint.DebertaV2Config;
import io.nlistream.trainer.checkpoint.ModelConfig;
import io.nlistream.trainer.model.RelativePositions;

/**
 * Multiply-add FLOPs (2 per MAC) of one forward pass of a padded batch, counting the matrix products, which are
 * nearly all of the work: per layer and token the q/k/v/output projections (4·2·H²) and the feed-forward
 * (2·2·H·I), per layer and sequence the scores and context (2·2·L²·H), and for DeBERTa the c2p and p2c products
 * against the R relative-embedding rows a sequence of L tokens reaches (2·2·L·R·H, R = 2L − 1 while L ≤ buckets/2;
 * {@link RelativePositions#reached}): the DJL model and the exported graph score only those. Relative-embedding
 * projections are constant and folded by ONNX Runtime.
 */
public final class EncoderFlops {
    private EncoderFlops() {}

    public static double batch(ModelConfig c, int batch, int length) {
        double h = c.hiddenSize();
        double l = length;
        double perLayer = l * (8 * h * h + 4 * h * c.intermediateSize()) + 4 * l * l * h;
        perLayer += switch (c.architecture()) {
            case DEBERTA_V2 -> relative((DebertaV2Config) c, l, h);
            case ROBERTA -> 0;
        };
        return batch * c.numHiddenLayers() * perLayer;
    }

    private static double relative(DebertaV2Config d, double l, double h) {
        if (!d.relativeAttention()) {
            return 0;
        }
        int products = (d.c2p() ? 1 : 0) + (d.p2c() ? 1 : 0);
        long rows = RelativePositions.reached(
                        (long) l, d.positionBuckets(), d.effectiveMaxRelativePositions(), d.relativeSpan())
                .count();
        return products * 2 * l * rows * h;
    }
}
