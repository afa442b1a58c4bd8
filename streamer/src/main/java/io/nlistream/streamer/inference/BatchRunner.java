package io.nlistream.streamer.inference;

import io.nlistream.tokenizer.EncodedPair;
import java.util.List;

/**
 * How the micro-batcher runs one padded batch on a model. Production uses {@link #DIRECT}; the benchmark wraps it to
 * give the model a fixed service time per call (a simulated accelerator), which is why this is a seam at all.
 */
@FunctionalInterface
public interface BatchRunner {
    BatchRunner DIRECT = NliModel::predict;

    /** Probabilities per row, contract label order, in the order of {@code rows}. */
    double[][] run(NliModel model, List<EncodedPair> rows);
}
