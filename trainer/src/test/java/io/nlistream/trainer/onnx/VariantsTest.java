package io.nlistream.trainer.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlistream.trainer.onnx.proto.Onnx.GraphProto;
import io.nlistream.trainer.onnx.proto.Onnx.ModelProto;
import io.nlistream.trainer.onnx.proto.Onnx.NodeProto;
import io.nlistream.trainer.onnx.proto.Onnx.TensorProto;
import io.nlistream.trainer.onnx.proto.Onnx.TensorProto.DataType;
import io.nlistream.trainer.parity.FixtureExpected;
import io.nlistream.trainer.parity.OnnxParity;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fp16 and int8 variants run in ONNX Runtime CPU, stay close to transformers' outputs, and have the intended
 * structure.
 */
class VariantsTest {
    @ParameterizedTest
    @ValueSource(strings = {"deberta-tiny-a", "deberta-tiny-b", "camembert-tiny", "camemberta-vocab-tiny"})
    void variantsStayCloseToTheReference(String fixture) throws Exception {
        Path dir = LoraMergeTest.FIXTURES.resolve(fixture);
        FixtureExpected expected = FixtureExpected.read(dir.resolve("expected.safetensors"), "logits", "probabilities");
        OnnxParity.Result fp16;
        OnnxParity.Result int8;
        try (OnnxExporter exporter = OnnxExporter.load(dir, null)) {
            fp16 = OnnxParity.compare(exporter.export(Precision.FP16).toByteArray(), expected);
            int8 = OnnxParity.compare(exporter.export(Precision.INT8).toByteArray(), expected);
        }
        assertThat(fp16.probabilitiesMaxAbsDiff()).as("fp16").isLessThan(1e-3);
        assertThat(int8.probabilitiesMaxAbsDiff()).as("int8").isLessThan(1e-2);
        // Quantisation changes the numbers (the variant is not the fp32 graph under another name).
        assertThat(int8.logitsMaxAbsDiff()).as("int8").isGreaterThan(1e-5);
    }

    @Test
    void fp16KeepsNormsAndSoftmaxInFloat32AndStoresMatMulWeightsInHalf() throws Exception {
        GraphProto g = OnnxExporter.export(LoraMergeTest.FIXTURES.resolve("deberta-tiny-a"), Precision.FP16)
                .getGraph();
        Map<String, TensorProto> init =
                g.getInitializerList().stream().collect(Collectors.toMap(TensorProto::getName, Function.identity()));
        long halfMatMuls = 0;
        for (NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("MatMul") && init.containsKey(n.getInput(1))) {
                assertThat(init.get(n.getInput(1)).getDataType())
                        .as(n.getName())
                        .isEqualTo(DataType.FLOAT16_VALUE);
                halfMatMuls++;
            }
            if (n.getOpType().equals("LayerNormalization")) {
                assertThat(init.get(n.getInput(1)).getDataType())
                        .as(n.getName())
                        .isEqualTo(DataType.FLOAT_VALUE);
            }
        }
        // q, k, v, attention output, intermediate, output in each of 2 layers, the 2 relative projections per layer,
        // pooler, classifier.
        assertThat(halfMatMuls).isEqualTo(2 * 6 + 2 * 2 + 2);
        assertThat(init.get("deberta.embeddings.word_embeddings.weight").getDataType())
                .isEqualTo(DataType.FLOAT16_VALUE);
    }

    @Test
    void int8QuantisesEveryLinearLayerDynamically() throws Exception {
        ModelProto m = OnnxExporter.export(LoraMergeTest.FIXTURES.resolve("camembert-tiny"), Precision.INT8);
        Map<String, Long> ops = m.getGraph().getNodeList().stream()
                .collect(Collectors.groupingBy(NodeProto::getOpType, Collectors.counting()));
        // q, k, v, attention output, intermediate, output in each of 2 layers, classifier dense and out_proj.
        assertThat(ops.get("MatMulInteger")).isEqualTo(2 * 6 + 2);
        assertThat(ops.get("DynamicQuantizeLinear")).isEqualTo(ops.get("MatMulInteger"));
        assertThat(m.getGraph().getInitializerList().stream()
                        .filter(t -> t.getDataType() == DataType.INT8_VALUE && t.getDimsCount() == 2))
                .hasSize(14)
                .allSatisfy(t -> {
                    for (byte b : t.getRawData().toByteArray()) {
                        assertThat((int) b).isBetween(-63, 63); // 7-bit: u8·s8 pairs cannot saturate int16 on AVX2
                    }
                });
    }
}
