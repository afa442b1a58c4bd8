package io.nlistream.trainer.onnx;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Both exporters refuse, by name, weights without the head or a head whose rows are not the config's labels. */
class RequireClassifierTest {
    static final Path FIXTURES = Path.of(System.getProperty("nli.fixtures.dir", "../fixtures"));

    @ParameterizedTest
    @CsvSource({"deberta-tiny-a, classifier.weight", "camembert-tiny, classifier.out_proj.weight"})
    void aMissingHeadIsRefusedByName(String fixture, String head) throws Exception {
        try (OnnxExporter e = OnnxExporter.load(FIXTURES.resolve(fixture), null)) {
            Map<String, Tensor> tensors = new LinkedHashMap<>(e.weights().asMap());
            tensors.remove(head);
            Weights headless = new Weights("headless " + fixture, tensors);
            assertThatThrownBy(() -> e.architecture().export(e.config(), headless, Precision.FP32))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("headless " + fixture + " has no classification head ('" + head + "')");
        }
    }

    @ParameterizedTest
    @CsvSource({"deberta-tiny-a, classifier.weight", "camembert-tiny, classifier.out_proj.weight"})
    void aHeadThatDoesNotFitTheLabelsIsRefused(String fixture, String head) throws Exception {
        try (OnnxExporter e = OnnxExporter.load(FIXTURES.resolve(fixture), null)) {
            List<String> labels = List.of("a", "b", "c", "d", "e");
            assertThatThrownBy(
                            () -> e.architecture().export(e.config().withLabels(labels), e.weights(), Precision.FP32))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("the classification head '" + head + "' has")
                    .hasMessageContaining("config.json names 5 labels");
        }
    }
}
