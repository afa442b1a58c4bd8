package io.nlistream.trainer.eval;

import io.nlistream.trainer.eval.ReportDocument.Block;
import io.nlistream.trainer.eval.ReportDocument.Column;
import io.nlistream.trainer.eval.ReportDocument.Figure;
import io.nlistream.trainer.eval.ReportDocument.Paragraph;
import io.nlistream.trainer.eval.ReportDocument.Section;
import io.nlistream.trainer.eval.ReportDocument.Span;
import io.nlistream.trainer.eval.ReportDocument.Table;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * Renders a {@link ReportDocument} as one self-contained {@code report.html}: the PNGs embedded as base64 data URIs,
 * the style inline, no script and no external URL, so it opens offline and can be mailed as one file.
 *
 * <p>The page is written with the JDK's StAX writer as XHTML-compatible HTML5: no templating or HTML library is on
 * the trainer's classpath, and StAX escapes every text and attribute value (labels, file names and run names come
 * from users), so no string reaches the page unescaped, and the output is well-formed XML that tests parse strictly.
 */
public final class HtmlReport {
    public static final String FILE = "report.html";
    public static final String PNG_DATA_URI = "data:image/png;base64,";

    /*
     * No '<', '>' or '&' in here: StAX would escape them, and a browser reads <style> as raw text, not XML. No url()
     * either: nothing is fetched.
     */
    private static final String CSS = String.join(
            "",
            "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1000px;margin:2em auto;",
            "padding:0 1em;color:#222;line-height:1.45}",
            "h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}",
            "table{border-collapse:collapse;margin:.5em 0 1.2em}",
            "th,td{border:1px solid #ccc;padding:.25em .6em}",
            "thead th{background:#f2f4f7}tbody th{text-align:left;font-weight:normal}",
            ".num{text-align:right;font-variant-numeric:tabular-nums}",
            "figure{margin:1em 0}img{max-width:100%;height:auto}figcaption{color:#555;font-size:.9em}",
            "code{background:#f2f4f7;padding:0 .2em}",
            "nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.4em 1.2em}",
            "footer{margin-top:3em;color:#777;font-size:.85em}");

    private HtmlReport() {}

    /** Writes {@code doc} to {@code file}, embedding its figures, which are read relative to the file's directory. */
    public static Path write(Path file, ReportDocument doc) {
        Path dir = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            Files.writeString(file, render(doc, dir));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    static String render(ReportDocument doc, Path dir) {
        StringWriter out = new StringWriter();
        try {
            XMLStreamWriter w = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
            Page page = new Page(w, dir);
            w.writeDTD("<!DOCTYPE html>");
            page.nl();
            w.writeStartElement("html");
            w.writeAttribute("lang", "en");
            page.nl();
            w.writeStartElement("head");
            w.writeEmptyElement("meta");
            w.writeAttribute("charset", "utf-8");
            w.writeEmptyElement("meta");
            w.writeAttribute("name", "viewport");
            w.writeAttribute("content", "width=device-width, initial-scale=1");
            page.element("title", doc.title());
            page.element("style", CSS);
            w.writeEndElement();
            page.nl();
            w.writeStartElement("body");
            page.nl();
            w.writeStartElement("header");
            page.element("h1", doc.title());
            page.nl();
            page.blocks(doc.intro());
            w.writeEndElement();
            page.nl();
            if (!doc.sections().isEmpty()) {
                w.writeStartElement("nav");
                w.writeStartElement("ul");
                for (Section s : doc.sections()) {
                    w.writeStartElement("li");
                    w.writeStartElement("a");
                    w.writeAttribute("href", "#" + page.safe(s.id()));
                    w.writeCharacters(page.safe(s.heading()));
                    w.writeEndElement();
                    w.writeEndElement();
                }
                w.writeEndElement();
                w.writeEndElement();
                page.nl();
            }
            w.writeStartElement("main");
            page.nl();
            for (Section s : doc.sections()) {
                w.writeStartElement("section");
                w.writeAttribute("id", page.safe(s.id()));
                page.nl();
                page.element("h2", s.heading());
                page.nl();
                page.blocks(s.blocks());
                w.writeEndElement();
                page.nl();
            }
            w.writeEndElement();
            page.nl();
            w.writeStartElement("footer");
            page.element("p", "Written by nli-trainer. Self-contained: the plots are embedded, nothing is fetched.");
            w.writeEndElement();
            page.nl();
            w.writeEndElement();
            w.writeEndElement();
            page.nl();
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot render the HTML report: " + e.getMessage(), e);
        }
        return out.toString();
    }

    /** The writer and the directory figures are read from. */
    private record Page(XMLStreamWriter w, Path dir) {
        void nl() throws XMLStreamException {
            w.writeCharacters("\n");
        }

        void element(String name, String text) throws XMLStreamException {
            w.writeStartElement(name);
            w.writeCharacters(safe(text));
            w.writeEndElement();
        }

        void blocks(List<Block> blocks) throws XMLStreamException {
            for (Block b : blocks) {
                if (b instanceof Paragraph p) {
                    paragraph(p);
                } else if (b instanceof Table t) {
                    table(t);
                } else {
                    figure((Figure) b);
                }
                nl();
            }
        }

        void paragraph(Paragraph p) throws XMLStreamException {
            w.writeStartElement("p");
            for (Span s : p.spans()) {
                switch (s.style()) {
                    case PLAIN -> w.writeCharacters(safe(s.text()));
                    case CODE -> element("code", s.text());
                    case STRONG -> element("strong", s.text());
                }
            }
            w.writeEndElement();
        }

        void table(Table t) throws XMLStreamException {
            w.writeStartElement("table");
            w.writeStartElement("thead");
            w.writeStartElement("tr");
            for (Column c : t.columns()) {
                w.writeStartElement("th");
                w.writeAttribute("scope", "col");
                if (c.numeric()) {
                    w.writeAttribute("class", "num");
                }
                w.writeCharacters(safe(c.name()));
                w.writeEndElement();
            }
            w.writeEndElement();
            w.writeEndElement();
            nl();
            w.writeStartElement("tbody");
            for (List<String> row : t.rows()) {
                w.writeStartElement("tr");
                for (int i = 0; i < row.size(); i++) {
                    w.writeStartElement(i == 0 ? "th" : "td");
                    if (i == 0) {
                        w.writeAttribute("scope", "row");
                    } else if (t.columns().get(i).numeric()) {
                        w.writeAttribute("class", "num");
                    }
                    // start + characters + end: an HTML parser would read an empty <td/> as an unclosed cell
                    w.writeCharacters(safe(row.get(i)));
                    w.writeEndElement();
                }
                w.writeEndElement();
                nl();
            }
            w.writeEndElement();
            w.writeEndElement();
        }

        void figure(Figure f) throws XMLStreamException {
            Path png = dir.resolve(f.file());
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(png);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot embed " + png + " in the HTML report", e);
            }
            w.writeStartElement("figure");
            w.writeEmptyElement("img");
            w.writeAttribute("src", PNG_DATA_URI + Base64.getEncoder().encodeToString(bytes));
            w.writeAttribute("alt", safe(f.alt()));
            w.writeAttribute("width", Integer.toString(Charts.WIDTH));
            w.writeAttribute("height", Integer.toString(Charts.HEIGHT));
            element("figcaption", f.alt());
            w.writeEndElement();
        }

        /**
         * StAX escapes markup but passes on code points XML 1.0 forbids (control characters in a file name, say),
         * which would make the page malformed: they become U+FFFD.
         */
        String safe(String text) {
            StringBuilder s = new StringBuilder(text.length());
            text.codePoints().forEach(c -> {
                boolean allowed = c == 0x9
                        || c == 0xA
                        || c == 0xD
                        || (c >= 0x20 && c <= 0xD7FF)
                        || (c >= 0xE000 && c <= 0xFFFD)
                        || c >= 0x10000;
                s.appendCodePoint(allowed ? c : 0xFFFD);
            });
            return s.toString();
        }
    }
}
