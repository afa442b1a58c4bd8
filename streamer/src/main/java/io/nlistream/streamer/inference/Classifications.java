package io.nlistream.streamer.inference;

import io.nlistream.schemas.Labels;
import io.nlistream.schemas.event.ModelRef;
import io.nlistream.schemas.event.NliClassification;
import io.nlistream.schemas.event.NliPair;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds the {@code nli-classification} event for one pair from its probabilities (contract label order). */
public final class Classifications {
    private Classifications() {}

    public static NliClassification of(
            NliPair pair,
            double[] probabilities,
            ModelRef model,
            boolean truncated,
            int inputTokens,
            double queueMs,
            double inferenceMs,
            Instant classifiedAt) {
        Map<String, Double> byLabel = new LinkedHashMap<>();
        int best = 0;
        for (int i = 0; i < probabilities.length; i++) {
            byLabel.put(Labels.CONTRACT.get(i), probabilities[i]);
            if (probabilities[i] > probabilities[best]) {
                best = i;
            }
        }
        return new NliClassification(
                pair.id(),
                Labels.CONTRACT.get(best),
                probabilities[best],
                byLabel,
                model,
                truncated,
                inputTokens,
                Math.max(0, queueMs),
                Math.max(0, inferenceMs),
                classifiedAt,
                pair.metadata());
    }
}
