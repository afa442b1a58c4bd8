package io.nlistream.trainer.bundle;

import io.nlistream.schemas.Labels;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/** A checkpoint's id2label names, in output order, mapped onto the contract's labels (case-insensitive). */
public final class LabelMapping {
    private LabelMapping() {}

    public static List<String> toContract(List<String> id2label, String source) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < id2label.size(); i++) {
            String name = id2label.get(i);
            out.add(Labels.normalize(name)
                    .orElseThrow(() -> new IllegalArgumentException(source + ": label '" + name
                            + "' does not map onto the contract labels " + Labels.CONTRACT
                            + "; a generic head (LABEL_0, ...) is"
                            + " not an NLI model: fine-tune it (nli-trainer train) or fix id2label in config.json")));
        }
        if (out.size() != Labels.CONTRACT.size() || !new HashSet<>(out).containsAll(Labels.CONTRACT)) {
            throw new IllegalArgumentException(source + ": id2label " + id2label + " maps to " + out
                    + ", but a bundle needs exactly the three labels " + Labels.CONTRACT + " once each");
        }
        return out;
    }
}
