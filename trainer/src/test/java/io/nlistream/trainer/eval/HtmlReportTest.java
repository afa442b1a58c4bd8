package io.nlistream.trainer.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlistream.trainer.eval.ReportDocument.Column;
import io.nlistream.trainer.eval.ReportDocument.Paragraph;
import io.nlistream.trainer.eval.ReportDocument.Section;
import io.nlistream.trainer.eval.ReportDocument.Span;
import io.nlistream.trainer.eval.ReportDocument.Table;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

class HtmlReportTest {
    @TempDir
    Path dir;

    private static final Pattern SELF_CLOSED = Pattern.compile("<(?!img |meta )[a-z0-9]+[^<>]*/>");

    @Test
    void writesWellFormedHtmlAnHtmlParserReadsAsWritten() {
        ReportDocument doc = new ReportDocument(
                "a\u0001b",
                List.of(Paragraph.of(Span.plain("x "), Span.code("c|d"), Span.strong("**s**"))),
                List.of(new Section(
                        "t",
                        "T & U",
                        List.of(new Table(
                                List.of(Column.text(""), Column.number("n")),
                                List.of(List.of("row", ""), List.of("r\u0007w", "1")))))));
        Path file = HtmlReport.write(dir.resolve(HtmlReport.FILE), doc);
        String html = HtmlPages.read(file);
        // an empty <td/> or <th/> is an unclosed cell to a browser's HTML parser: empty cells are written open+close
        assertThat(SELF_CLOSED.matcher(html).find()).as(html).isFalse();
        assertThat(html).contains("<td class=\"num\"></td>");
        Document page = HtmlPages.openSelfContained(file);
        // a control character (invalid in XML) is replaced, not left to break the page
        assertThat(page.getElementsByTagName("h1").item(0).getTextContent()).isEqualTo("a\uFFFDb");
        assertThat(HtmlPages.table(HtmlPages.section(page, "t"), 0))
                .containsExactly(List.of("", "n"), List.of("row", ""), List.of("r\uFFFDw", "1"));
        assertThat(page.getElementsByTagName("code").item(0).getTextContent()).isEqualTo("c|d");
        assertThat(page.getElementsByTagName("strong").item(0).getTextContent()).isEqualTo("**s**");
        assertThat(page.getElementsByTagName("a").item(0).getTextContent()).isEqualTo("T & U");
        // the Markdown of the same document: pipes inside cells are escaped so the table keeps its columns
        assertThat(MarkdownReport.render(doc)).contains("| r\u0007w | 1 |").contains("`c|d`");
    }
}
