package io.nlistream.trainer.data;

import io.nlistream.schemas.Labels;
import java.util.List;

/** The pairs read from one file, in file order. */
public record NliDataset(String source, List<NliExample> examples) {
    public NliDataset {
        examples = List.copyOf(examples);
    }

    public int size() {
        return examples.size();
    }

    public List<String> premises() {
        return examples.stream().map(NliExample::premise).toList();
    }

    public List<String> hypotheses() {
        return examples.stream().map(NliExample::hypothesis).toList();
    }

    public int[] labels() {
        return examples.stream().mapToInt(NliExample::label).toArray();
    }

    public LabelDistribution labelDistribution() {
        return LabelDistribution.of(labels(), Labels.CONTRACT);
    }
}
