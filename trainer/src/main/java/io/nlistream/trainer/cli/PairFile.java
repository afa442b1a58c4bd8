package io.nlistream.trainer.cli;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Premise/hypothesis pairs from a TSV with a header: XNLI's ({@code pairID}, {@code premise}, {@code hypothesis}), the
 * seed's ({@code -e premise}, {@code hypo}), or any file with {@code premise} and {@code hypothesis} columns. Fields
 * are taken verbatim: not quoted (XNLI text contains quote characters) and not trimmed (a trailing space is a token).
 */
record PairFile(List<Pair> pairs) {
    record Pair(String id, String premise, String hypothesis) {}

    private static final List<String> PREMISE = List.of("premise", "-e premise", "sentence1");
    private static final List<String> HYPOTHESIS = List.of("hypothesis", "hypo", "sentence2");
    private static final List<String> ID = List.of("pairid", "id");

    static PairFile read(Reader reader, String source) throws IOException {
        CSVFormat format = CSVFormat.TDF
                .builder()
                .setQuote(null)
                .setIgnoreSurroundingSpaces(false)
                .setHeader()
                .setSkipHeaderRecord(true)
                .get();
        try (CSVParser parser = CSVParser.parse(reader, format)) {
            Map<String, Integer> header = parser.getHeaderMap();
            String premise = column(header, PREMISE, source, "premise");
            String hypothesis = column(header, HYPOTHESIS, source, "hypothesis");
            String id = header.keySet().stream()
                    .filter(h -> ID.contains(h.strip().toLowerCase()))
                    .findFirst()
                    .orElse(null);
            List<Pair> pairs = new ArrayList<>();
            for (CSVRecord r : parser) {
                if (!r.isSet(premise) || !r.isSet(hypothesis)) {
                    throw new IllegalArgumentException(source + " line " + parser.getCurrentLineNumber() + ": expected "
                            + header.size() + " tab-separated fields, found " + r.size());
                }
                String pairId = id != null ? r.get(id) : Long.toString(r.getRecordNumber());
                pairs.add(new Pair(pairId, r.get(premise), r.get(hypothesis)));
            }
            return new PairFile(pairs);
        }
    }

    private static String column(Map<String, Integer> header, List<String> names, String source, String what) {
        return header.keySet().stream()
                .filter(h -> names.contains(h.strip().toLowerCase()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(source + " has no " + what + " column: its header is "
                        + header.keySet() + "; name the column one of " + names));
    }
}
