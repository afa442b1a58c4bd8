package io.nlistream.trainer.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nlistream.schemas.Labels;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PushbackReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads labelled NLI pairs from TSV (plain or RFC-4180 quoted, LF or CRLF), CSV or JSON Lines. Every problem is a
 * {@link DataFormatException} naming the file and line: a missing column, an unknown label, an empty premise or
 * hypothesis, a malformed row.
 */
public final class NliReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private NliReader() {}

    public static NliDataset read(Path file) {
        return read(file, ReadOptions.defaults());
    }

    public static NliDataset read(Path file, ReadOptions options) {
        ReadOptions.Format format = options.format() == ReadOptions.Format.AUTO ? detect(file) : options.format();
        try {
            List<NliExample> examples = format == ReadOptions.Format.JSONL
                    ? readJsonLines(file, options)
                    : readDelimited(file, options, format == ReadOptions.Format.CSV ? ',' : '\t');
            if (examples.isEmpty()) {
                throw new DataFormatException(file, 1, "no pairs: the file has a header but no data rows");
            }
            return new NliDataset(file.toString(), examples);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("data file not found: " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static ReadOptions.Format detect(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return ReadOptions.Format.CSV;
        }
        if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson")) {
            return ReadOptions.Format.JSONL;
        }
        return ReadOptions.Format.TSV;
    }

    private static List<NliExample> readDelimited(Path file, ReadOptions options, char delimiter) throws IOException {
        CSVFormat format = CSVFormat.Builder.create(delimiter == '\t' ? CSVFormat.TDF : CSVFormat.RFC4180)
                .setHeader()
                .setSkipHeaderRecord(true)
                .setIgnoreEmptyLines(true)
                .setAllowMissingColumnNames(true)
                // TDF trims fields, but a trailing space is a token: keep the text byte for byte (XNLI has such rows).
                .setIgnoreSurroundingSpaces(false)
                .setTrim(false)
                .get();
        try (Reader reader = withoutBom(Files.newBufferedReader(file, StandardCharsets.UTF_8));
                CSVParser parser =
                        CSVParser.builder().setReader(reader).setFormat(format).get()) {
            Columns columns = Columns.resolve(file, parser.getHeaderNames(), options);
            List<NliExample> out = new ArrayList<>();
            Iterator<CSVRecord> records = parser.iterator();
            while (true) {
                CSVRecord record;
                try {
                    if (!records.hasNext()) {
                        break;
                    }
                    record = records.next();
                } catch (UncheckedIOException | IllegalStateException e) {
                    throw new DataFormatException(
                            file,
                            parser.getCurrentLineNumber() + 1,
                            "malformed row (" + e.getMessage() + "); quote a field that starts with \" and double the"
                                    + " quotes inside it");
                }
                // The parser has consumed the record's line break, so the current line number is the record's line.
                long line = parser.getCurrentLineNumber();
                if (record.size() < parser.getHeaderNames().size() && !record.isConsistent()) {
                    throw new DataFormatException(
                            file,
                            line,
                            "the row has " + record.size() + " fields but the header"
                                    + " has " + parser.getHeaderNames().size() + "; check the delimiter ("
                                    + (delimiter == '\t' ? "TAB" : "comma") + ") and the quoting");
                }
                out.add(columns.example(
                        file, line, name -> record.isMapped(name) && record.isSet(name) ? record.get(name) : null));
            }
            return out;
        }
    }

    private static List<NliExample> readJsonLines(Path file, ReadOptions options) throws IOException {
        List<NliExample> out = new ArrayList<>();
        Columns columns = null;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String text;
            long line = 0;
            while ((text = reader.readLine()) != null) {
                line++;
                if (line == 1 && text.startsWith("\uFEFF")) {
                    text = text.substring(1);
                }
                if (text.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(text);
                } catch (JsonProcessingException e) {
                    throw new DataFormatException(file, line, "not a JSON object: " + e.getOriginalMessage());
                }
                if (!node.isObject()) {
                    throw new DataFormatException(
                            file, line, "expected one JSON object per line, found " + node.getNodeType());
                }
                if (columns == null) {
                    List<String> keys = new ArrayList<>();
                    node.fieldNames().forEachRemaining(keys::add);
                    columns = Columns.resolve(file, keys, options);
                }
                JsonNode row = node;
                out.add(columns.example(file, line, name -> {
                    JsonNode v = row.get(name);
                    return v == null || v.isNull() ? null : v.asText();
                }));
            }
        }
        return out;
    }

    private static Reader withoutBom(Reader reader) throws IOException {
        PushbackReader pushback = new PushbackReader(reader, 1);
        int first = pushback.read();
        if (first != -1 && first != '\uFEFF') {
            pushback.unread(first);
        }
        return pushback;
    }

    /** The three columns of a file, resolved once from its header. */
    private record Columns(
            String premise, String hypothesis, String label, String crossCheckLabel, Map<String, String> labelMap) {

        static Columns resolve(Path file, List<String> header, ReadOptions options) {
            String premise = pick(
                    file, header, options.premiseColumn(), ReadOptions.PREMISE_ALIASES, "premise", "--premise-column");
            String hypothesis = pick(
                    file,
                    header,
                    options.hypothesisColumn(),
                    ReadOptions.HYPOTHESIS_ALIASES,
                    "hypothesis",
                    "--hypothesis-column");
            String label =
                    pick(file, header, options.labelColumn(), ReadOptions.LABEL_ALIASES, "label", "--label-column");
            // Files with both label names and integer codes (RTE3-FR, GQNLI-FR, DACCORD): read the names, and refuse
            // rows where the codes say otherwise, so binary or re-coded integers never pass silently as 3-class ones.
            String crossCheck = options.labelColumn() == null && label.equals("label_text") && header.contains("label")
                    ? "label"
                    : null;
            return new Columns(premise, hypothesis, label, crossCheck, options.labelMap());
        }

        private static String pick(
                Path file, List<String> header, String wanted, List<String> aliases, String role, String option) {
            if (wanted != null) {
                if (header.contains(wanted)) {
                    return wanted;
                }
                throw new DataFormatException(
                        file, 1, "no column '" + wanted + "' for the " + role + "; the header has " + header);
            }
            for (String alias : aliases) {
                for (String h : header) {
                    if (h.trim().equalsIgnoreCase(alias)) {
                        return h;
                    }
                }
            }
            throw new DataFormatException(
                    file,
                    1,
                    "no " + role + " column: expected one of " + aliases + " in the header " + header
                            + "; name it with " + option);
        }

        NliExample example(Path file, long line, Function<String, String> field) {
            String p = field.apply(premise);
            String h = field.apply(hypothesis);
            String l = field.apply(label);
            if (p == null || h == null || l == null) {
                throw new DataFormatException(
                        file,
                        line,
                        "missing field: the row has no value for "
                                + (p == null
                                        ? "'" + premise + "'"
                                        : h == null ? "'" + hypothesis + "'" : "'" + label + "'"));
            }
            if (p.isBlank()) {
                throw new DataFormatException(file, line, "empty premise in column '" + premise + "'");
            }
            if (h.isBlank()) {
                throw new DataFormatException(file, line, "empty hypothesis in column '" + hypothesis + "'");
            }
            int id = labelIndex(file, line, l);
            if (crossCheckLabel != null) {
                String code = field.apply(crossCheckLabel);
                Optional<String> coded = code == null ? Optional.empty() : Labels.normalize(code);
                if (coded.isPresent() && Labels.index(coded.get()) != id) {
                    throw new DataFormatException(
                            file,
                            line,
                            "label_text '" + l + "' and label '" + code
                                    + "' disagree under the coding 0 entailment / 1 neutral / 2 contradiction; choose "
                                    + "the"
                                    + " column with --label-column (and map names with --label-map)");
                }
            }
            return new NliExample(p, h, id, line);
        }

        private int labelIndex(Path file, long line, String raw) {
            String name = raw.trim();
            String mapped = labelMap.getOrDefault(name, labelMap.getOrDefault(name.toLowerCase(Locale.ROOT), name));
            Optional<String> label = Labels.normalize(mapped);
            if (label.isEmpty()) {
                Set<String> accepted = new LinkedHashSet<>(Labels.CONTRACT);
                accepted.addAll(List.of("0", "1", "2"));
                throw new DataFormatException(
                        file,
                        line,
                        "unknown label '" + raw + "' in column '" + this.label
                                + "': expected one of " + accepted + "; map other names with --label-map "
                                + (name.isEmpty() ? "NAME" : name) + "=<entailment|neutral|contradiction>");
            }
            return Labels.index(label.get());
        }
    }
}
