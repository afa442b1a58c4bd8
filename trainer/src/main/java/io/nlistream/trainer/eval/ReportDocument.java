package io.nlistream.trainer.eval;

import java.util.List;

/**
 * A report as data: title, intro, sections of paragraphs, tables and figures. {@link MarkdownReport} renders it as
 * {@code report.md}, {@link HtmlReport} as the self-contained {@code report.html}, so every number is computed and
 * formatted once, here, and both files say the same thing.
 */
public record ReportDocument(String title, List<Block> intro, List<Section> sections) {

    /** A titled part of the report; {@code id} is its stable anchor in the HTML page. */
    public record Section(String id, String heading, List<Block> blocks) {}

    /** What a section holds. */
    public sealed interface Block permits Paragraph, Table, Figure {}

    /** Running text made of styled spans. */
    public record Paragraph(List<Span> spans) implements Block {
        public static Paragraph of(Span... spans) {
            return new Paragraph(List.of(spans));
        }

        public static Paragraph plain(String text) {
            return of(Span.plain(text));
        }
    }

    public enum Style {
        PLAIN,
        CODE,
        STRONG
    }

    public record Span(Style style, String text) {
        public static Span plain(String text) {
            return new Span(Style.PLAIN, text);
        }

        public static Span code(String text) {
            return new Span(Style.CODE, text);
        }

        public static Span strong(String text) {
            return new Span(Style.STRONG, text);
        }
    }

    /** A column heading; numeric columns are right-aligned. */
    public record Column(String name, boolean numeric) {
        public static Column text(String name) {
            return new Column(name, false);
        }

        public static Column number(String name) {
            return new Column(name, true);
        }
    }

    /** Cells already formatted; the first cell of a row names it (a row header in HTML). */
    public record Table(List<Column> columns, List<List<String>> rows) implements Block {
        public Table {
            for (List<String> row : rows) {
                if (row.size() != columns.size()) {
                    throw new IllegalArgumentException(
                            "a row has " + row.size() + " cells for " + columns.size() + " columns: " + row);
                }
            }
        }
    }

    /** A PNG written beside the report; {@code file} is relative to the report's directory. */
    public record Figure(String alt, String file) implements Block {}
}
