package io.nlistream.trainer.bench;

import io.nlistream.trainer.checkpoint.DebertaV2Config;
import io.nlistream.trainer.checkpoint.ModelConfig;

/**
 * Multiply-add FLOPs (2 per MAC) of one forward pass of a padded batch, counting the matrix products, which are
 * nearly all of the work: per layer and token the q/k/v/output projections (4·2·H²) and the feed-forward
 * (2·2·H·I), per layer and sequence the scores and context (2·2·L²·H), and for DeBERTa the c2p and p2c products
 * of each token against a relative row for every distance (2·2·L·(2L − 1)·H; the relative shift then reads the L × L
 * scores out of them, in the DJL model and the exported graph alike). The projections of the relative-embedding rows
 * (at most 2·span of them a layer) are left out: ONNX Runtime folds them, and in training they are under 1 %.
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
        // each query (key) is scored against a row for every distance, 2L − 1 columns (RelativePositions computes
        // one more, never read: not work the step needs)
        double columns = 2 * l - 1;
        return products * 2 * l * columns * h;
    }
}
