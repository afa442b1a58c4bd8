package io.nlistream.trainer.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fp16 and int8 variants run in ONNX Runtime CPU and stay close to the fp32 export on the fixture inputs. */
class VariantsTest {
    @ParameterizedTest
    @ValueSource(strings = {"deberta-tiny-a", "deberta-tiny-b", "camembert-tiny", "camemberta-vocab-tiny"})
    void variantsAgreeWithFp32(String fixture) throws Exception {
        Path dir = OnnxParityTest.FIXTURES.resolve(fixture);
        OnnxExporter exporter = OnnxExporter.load(dir, null);
        Safetensors expected = Safetensors.open(dir.resolve("expected.safetensors"));
        for (Precision p : new Precision[] {Precision.FP16, Precision.INT8}) {
            OnnxParity.Result r = OnnxParity.compare(exporter.export(p).toByteArray(), expected, "logits", "probabilities");
            System.out.printf("%s %s logits %.3g probabilities %.3g%n", fixture, p, r.logitsMaxAbsDiff(), r.probabilitiesMaxAbsDiff());
        }
    }
}
