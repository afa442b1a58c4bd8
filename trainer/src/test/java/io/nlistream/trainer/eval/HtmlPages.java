package io.nlistream.trainer.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Attr;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.NodeList;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Opens a report.html the way the tests need: a strict XML parse (no HTML parser is on the test classpath, and the
 * page is written as well-formed XHTML-compatible HTML5), then the checks that make it self-contained and safe.
 */
public final class HtmlPages {
    /** Elements that load or run something: a self-contained, script-free page has none. */
    private static final Set<String> FORBIDDEN = Set.of(
            "script", "link", "iframe", "frame", "object", "embed", "base", "audio", "video", "source", "track", "svg",
            "form");

    private HtmlPages() {}

    /** Parses the page strictly and asserts it references nothing outside itself and runs no script. */
    public static Document openSelfContained(Path html) {
        String text = read(html);
        assertThat(text).startsWith("<!DOCTYPE html>");
        assertThat(text).as("no absolute URL anywhere").doesNotContain("://");
        Document doc = parse(text);
        Set<String> ids = new HashSet<>();
        List<String> hrefs = new ArrayList<>();
        NodeList all = doc.getElementsByTagName("*");
        for (int i = 0; i < all.getLength(); i++) {
            Element e = (Element) all.item(i);
            String tag = e.getTagName().toLowerCase(Locale.ROOT);
            assertThat(FORBIDDEN).as("<%s> in the page", tag).doesNotContain(tag);
            NamedNodeMap attrs = e.getAttributes();
            for (int a = 0; a < attrs.getLength(); a++) {
                Attr attr = (Attr) attrs.item(a);
                String name = attr.getName().toLowerCase(Locale.ROOT);
                String value = attr.getValue();
                assertThat(name).as("event handler on <%s>", tag).doesNotStartWith("on");
                switch (name) {
                    case "id" -> ids.add(value);
                    case "href" -> hrefs.add(value);
                    case "src" -> assertThat(value).as("<%s src>", tag).startsWith(HtmlReport.PNG_DATA_URI);
                    case "srcset", "poster", "data", "action", "formaction", "background", "style" ->
                        throw new AssertionError("<" + tag + " " + name + "> in the page");
                    default -> {}
                }
            }
            assertThat(e.hasAttribute("http-equiv"))
                    .as("<meta http-equiv> (a refresh)")
                    .isFalse();
            if (tag.equals("style")) {
                assertThat(e.getTextContent()).doesNotContain("url(").doesNotContain("@import");
            }
        }
        for (String href : hrefs) {
            assertThat(href).as("a link inside the page").startsWith("#");
            assertThat(ids).as("the target of %s", href).contains(href.substring(1));
        }
        return doc;
    }

    public static String read(Path html) {
        try {
            return Files.readString(html);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + html, e);
        }
    }

    static Document parse(String text) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(new Strict());
            return b.parse(new InputSource(new StringReader(text)));
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new AssertionError("report.html is not well-formed: " + e.getMessage(), e);
        }
    }

    /** The page's {@code <section id=...>}. */
    public static Element section(Document doc, String id) {
        NodeList sections = doc.getElementsByTagName("section");
        for (int i = 0; i < sections.getLength(); i++) {
            Element s = (Element) sections.item(i);
            if (s.getAttribute("id").equals(id)) {
                return s;
            }
        }
        throw new AssertionError("no section '" + id + "' in the page");
    }

    public static List<String> sectionIds(Document doc) {
        List<String> ids = new ArrayList<>();
        NodeList sections = doc.getElementsByTagName("section");
        for (int i = 0; i < sections.getLength(); i++) {
            ids.add(((Element) sections.item(i)).getAttribute("id"));
        }
        return ids;
    }

    /** The cells' text of the {@code index}-th table under {@code parent}, header row first. */
    public static List<List<String>> table(Element parent, int index) {
        NodeList tables = parent.getElementsByTagName("table");
        assertThat(tables.getLength()).as("tables in <%s>", parent.getTagName()).isGreaterThan(index);
        NodeList trs = ((Element) tables.item(index)).getElementsByTagName("tr");
        List<List<String>> rows = new ArrayList<>();
        for (int r = 0; r < trs.getLength(); r++) {
            List<String> cells = new ArrayList<>();
            NodeList children = trs.item(r).getChildNodes();
            for (int c = 0; c < children.getLength(); c++) {
                if (children.item(c) instanceof Element cell) {
                    cells.add(cell.getTextContent());
                }
            }
            rows.add(cells);
        }
        return rows;
    }

    /** The embedded images under {@code parent}, each asserted to be a PNG data URI that decodes to an image. */
    public static List<BufferedImage> images(Element parent) {
        NodeList imgs = parent.getElementsByTagName("img");
        List<BufferedImage> out = new ArrayList<>();
        for (int i = 0; i < imgs.getLength(); i++) {
            Element img = (Element) imgs.item(i);
            assertThat(img.getAttribute("alt")).as("alt text").isNotBlank();
            String src = img.getAttribute("src");
            assertThat(src).startsWith(HtmlReport.PNG_DATA_URI);
            byte[] png = Base64.getDecoder().decode(src.substring(HtmlReport.PNG_DATA_URI.length()));
            assertThat(Arrays.copyOf(png, 8)).containsExactly(0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A);
            try {
                BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
                assertThat(image).as("%s decodes", img.getAttribute("alt")).isNotNull();
                out.add(image);
            } catch (IOException e) {
                throw new AssertionError("embedded PNG does not decode: " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** A warning or a recoverable error fails the parse as a fatal one does: the page must be well-formed. */
    private static final class Strict implements ErrorHandler {
        @Override
        public void warning(SAXParseException e) throws SAXException {
            throw e;
        }

        @Override
        public void error(SAXParseException e) throws SAXException {
            throw e;
        }

        @Override
        public void fatalError(SAXParseException e) throws SAXException {
            throw e;
        }
    }
}
