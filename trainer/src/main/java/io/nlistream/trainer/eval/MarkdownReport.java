package io.nlistream.trainer.eval;

import io.nlistream.trainer.eval.ReportDocument.Block;
import io.nlistream.trainer.eval.ReportDocument.Column;
import io.nlistream.trainer.eval.ReportDocument.Figure;
import io.nlistream.trainer.eval.ReportDocument.Paragraph;
import io.nlistream.trainer.eval.ReportDocument.Section;
import io.nlistream.trainer.eval.ReportDocument.Span;
import io.nlistream.trainer.eval.ReportDocument.Table;
import java.util.List;

/** Renders a {@link ReportDocument} as GitHub-flavoured Markdown; figures are links to the PNGs beside it. */
public final class MarkdownReport {
    private MarkdownReport() {}

    public static String render(ReportDocument doc) {
        StringBuilder md = new StringBuilder("# ").append(doc.title()).append("\n\n");
        blocks(md, doc.intro());
        for (Section s : doc.sections()) {
            md.append("## ").append(s.heading()).append("\n\n");
            blocks(md, s.blocks());
        }
        return md.toString();
    }

    private static void blocks(StringBuilder md, List<Block> blocks) {
        for (Block b : blocks) {
            md.append(block(b)).append('\n');
        }
    }

    static String block(Block b) {
        if (b instanceof Paragraph p) {
            return paragraph(p) + "\n";
        }
        if (b instanceof Table t) {
            return table(t);
        }
        Figure f = (Figure) b;
        return "![" + f.alt() + "](" + f.file() + ")\n";
    }

    static String paragraph(Paragraph p) {
        StringBuilder md = new StringBuilder();
        for (Span s : p.spans()) {
            switch (s.style()) {
                case PLAIN -> md.append(s.text());
                case CODE -> md.append('`').append(s.text()).append('`');
                case STRONG -> md.append("**").append(s.text()).append("**");
            }
        }
        return md.toString();
    }

    public static String table(Table t) {
        StringBuilder md = new StringBuilder("|");
        for (Column c : t.columns()) {
            md.append(' ').append(cell(c.name())).append(" |");
        }
        md.append("\n|");
        for (Column c : t.columns()) {
            md.append(c.numeric() ? "---:|" : "---|");
        }
        md.append('\n');
        for (List<String> row : t.rows()) {
            md.append('|');
            for (String v : row) {
                md.append(v.isEmpty() ? " |" : " " + cell(v) + " |");
            }
            md.append('\n');
        }
        return md.toString();
    }

    /** A pipe in a label or a file name would split the cell. */
    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
