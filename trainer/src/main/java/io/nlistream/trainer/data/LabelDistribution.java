package io.nlistream.trainer.data;

import java.util.List;
import java.util.Locale;

/** How many pairs carry each label: the seed prints it before training, the report plots it. */
public record LabelDistribution(List<String> labels, long[] counts) {
    public static LabelDistribution of(int[] labelIds, List<String> labels) {
        long[] counts = new long[labels.size()];
        for (int id : labelIds) {
            counts[id]++;
        }
        return new LabelDistribution(List.copyOf(labels), counts);
    }

    public long total() {
        long sum = 0;
        for (long c : counts) {
            sum += c;
        }
        return sum;
    }

    /** One line per label, e.g. {@code entailment      1670  33.3 %}, then the total. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        long total = total();
        for (int i = 0; i < labels.size(); i++) {
            double pct = total == 0 ? 0 : 100.0 * counts[i] / total;
            sb.append(String.format(Locale.ROOT, "  %-14s %7d  %5.1f %%%n", labels.get(i), counts[i], pct));
        }
        sb.append(String.format(Locale.ROOT, "  %-14s %7d%n", "total", total));
        return sb.toString();
    }
}
