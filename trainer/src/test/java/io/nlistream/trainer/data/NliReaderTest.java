package io.nlistream.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NliReaderTest {
    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void readsTheSeedLayoutWithIntegerAndNamedLabels() throws IOException {
        Path f = write(
                "seed.tsv",
                "-e premise\thypo\tlabel\n"
                        + "Eh bien, je ne pensais même pas à cela.\tJe ne lui ai pas parlé de nouveau\t2\n"
                        + "Il pleut.\tIl fait mauvais.\tentailment\n"
                        + "Il pleut.\tLe chat dort.\tNeutral\n");
        NliDataset d = NliReader.read(f);
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.labels()).containsExactly(2, 0, 1);
        assertThat(d.examples().get(0).premise()).isEqualTo("Eh bien, je ne pensais même pas à cela.");
        assertThat(d.examples().get(0).hypothesis()).isEqualTo("Je ne lui ai pas parlé de nouveau");
        assertThat(d.examples().get(2).line()).isEqualTo(4);
    }

    @Test
    void keepsSurroundingSpacesBecauseTheyAreTokens() throws IOException {
        // XNLI-fr dev has premises ending with a space; the tokenizer gives that space its own token.
        Path tsv = write("spaces.tsv", "premise\thypothesis\tlabel\n Il pleut. \tLe sol est mouillé.  \t0\n");
        Path csv = write("spaces.csv", "premise,hypothesis,label\n Il pleut. ,Le sol est mouillé. ,0\n");
        for (Path f : new Path[] {tsv, csv}) {
            NliExample e = NliReader.read(f).examples().get(0);
            assertThat(e.premise()).as(f.toString()).isEqualTo(" Il pleut. ");
            assertThat(e.hypothesis()).as(f.toString()).startsWith("Le sol est mouillé. ");
        }
    }

    @Test
    void readsTheXnliLayout() throws IOException {
        Path f = write(
                "xnli.tsv",
                "pairID\tpromptID\tgenre\tgold_label\tpremise\thypothesis\n"
                        + "1\t1\tfacetoface\tneutral\tEt il a dit, maman, je suis à la maison.\tIl a appelé sa "
                        + "mère.\n"
                        + "2\t1\tfacetoface\tcontradiction\tEt il a dit, maman, je suis à la maison.\tIl n'a pas dit "
                        + "un mot.\n");
        NliDataset d = NliReader.read(f);
        assertThat(d.labels()).containsExactly(1, 2);
        assertThat(d.examples().get(1).hypothesis()).isEqualTo("Il n'a pas dit un mot.");
    }

    @Test
    void readsQuotedCrlfTsvLikeRte3Fr() throws IOException {
        Path f = write(
                "rte3.tsv",
                "id\tlanguage\tpremise\thypothesis\tlabel\tlabel_text\ttask\tlength\r\n"
                        + "1\tfr\t\"Il a dit \"\"bonjour\"\" en partant.\"\tIl est parti.\t0\tentailment\tIE\tshort\r\n"
                        + "2\tfr\tLe ciel est bleu.\t\"\"\"Rouge\"\", dit-il.\"\t2\tcontradiction\tQA\tshort\r\n");
        NliDataset d = NliReader.read(f);
        assertThat(d.examples().get(0).premise()).isEqualTo("Il a dit \"bonjour\" en partant.");
        assertThat(d.examples().get(0).hypothesis()).isEqualTo("Il est parti.");
        assertThat(d.examples().get(1).hypothesis()).isEqualTo("\"Rouge\", dit-il.");
        assertThat(d.labels()).containsExactly(0, 2);
        assertThat(d.examples().get(1).line()).isEqualTo(3);
    }

    @Test
    void refusesBinaryCodesThatDisagreeWithTheLabelNamesAndAcceptsAMapping() throws IOException {
        Path f = write(
                "daccord.tsv",
                "id\tpremise\thypothesis\tlabel\tlabel_text\turl\tgenre\r\n"
                        + "a1\tUn tube pour une raffinerie.\tUn missile.\t1\tcontradiction\thttps://x\tclimat\r\n"
                        + "a2\tIl pleut.\tLe sol est mouillé.\t0\tcompatibles\thttps://y\tclimat\r\n");
        assertThatThrownBy(() -> NliReader.read(f))
                .isInstanceOf(DataFormatException.class)
                .hasMessageContaining("daccord.tsv:2:")
                .hasMessageContaining("disagree");
        NliDataset d = NliReader.read(
                f,
                new ReadOptions(ReadOptions.Format.AUTO, null, null, "label_text", Map.of("compatibles", "neutral")));
        assertThat(d.labels()).containsExactly(2, 1);
    }

    @Test
    void unknownLabelNamesFileLineAndTheFix() throws IOException {
        Path f = write("bad.tsv", "premise\thypothesis\tlabel\nA.\tB.\t0\nC.\tD.\t1\nE.\tF.\tmaybe\n");
        assertThatThrownBy(() -> NliReader.read(f))
                .isInstanceOf(DataFormatException.class)
                .hasMessageContaining("bad.tsv:4:")
                .hasMessageContaining("unknown label 'maybe'")
                .hasMessageContaining("--label-map")
                .satisfies(e -> assertThat(((DataFormatException) e).line()).isEqualTo(4));
    }

    @Test
    void missingColumnNamesTheHeaderAndTheOption() throws IOException {
        Path f = write("nohyp.tsv", "premise\ttext2\tlabel\nA.\tB.\t0\n");
        assertThatThrownBy(() -> NliReader.read(f))
                .isInstanceOf(DataFormatException.class)
                .hasMessageContaining("nohyp.tsv:1:")
                .hasMessageContaining("no hypothesis column")
                .hasMessageContaining("--hypothesis-column");
        NliDataset d = NliReader.read(f, new ReadOptions(null, null, "text2", null, null));
        assertThat(d.examples().get(0).hypothesis()).isEqualTo("B.");
    }

    @Test
    void emptyTextAndShortRowsAreErrorsWithTheirLine() throws IOException {
        Path empty = write("empty.tsv", "premise\thypothesis\tlabel\nA.\tB.\t0\nC.\t  \t1\n");
        assertThatThrownBy(() -> NliReader.read(empty))
                .hasMessageContaining("empty.tsv:3:")
                .hasMessageContaining("empty hypothesis");
        Path shortRow = write("short.tsv", "premise\thypothesis\tlabel\nA.\tB.\t0\nC. D. 1\n");
        assertThatThrownBy(() -> NliReader.read(shortRow))
                .isInstanceOf(DataFormatException.class)
                .hasMessageContaining("short.tsv:3:");
    }

    @Test
    void readsCsvAndJsonLinesWithColumnOptions() throws IOException {
        Path csv = write("pairs.csv", "s1,s2,y\n\"Il pleut, fort.\",Il pleut.,entailment\nA.,B.,2\n");
        NliDataset c = NliReader.read(csv, new ReadOptions(null, "s1", "s2", "y", null));
        assertThat(c.examples().get(0).premise()).isEqualTo("Il pleut, fort.");
        assertThat(c.labels()).containsExactly(0, 2);

        Path jsonl = write(
                "pairs.jsonl",
                "{\"premise\":\"Il pleut.\",\"hypothesis\":\"Il fait beau.\",\"label\":2}\n\n"
                        + "{\"premise\":\"A.\",\"hypothesis\":\"B.\",\"label\":\"neutral\"}\n"
                        + "{\"premise\":\"A.\",\"hypothesis\":\"B.\",\"label\":\"other\"}\n");
        assertThatThrownBy(() -> NliReader.read(jsonl)).hasMessageContaining("pairs.jsonl:4:");
        Path good = write("good.jsonl", "{\"premise\":\"Il pleut.\",\"hypothesis\":\"Il fait beau.\",\"label\":2}\n");
        assertThat(NliReader.read(good).labels()).containsExactly(2);
    }

    @Test
    void labelDistributionCountsAndFormats() throws IOException {
        Path f = write("d.tsv", "premise\thypothesis\tlabel\nA.\tB.\t0\nA.\tC.\t0\nA.\tD.\t2\nA.\tE.\t1\n");
        LabelDistribution dist = NliReader.read(f).labelDistribution();
        assertThat(dist.counts()).containsExactly(2, 1, 1);
        assertThat(dist.format())
                .contains("entailment")
                .contains("50.0 %")
                .contains("total")
                .contains("4");
    }
}
