package io.nlistream.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nlistream.trainer.model.LoadedModel;
import io.nlistream.trainer.model.PretrainedModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint published as pytorch_model.bin (what older CamemBERT-XNLI repositories ship) loads into the same model
 * as its safetensors twin. One layer of camembert-tiny keeps the pickle within the test writer's one-byte memo.
 */
class PytorchBinCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void pytorchModelBinLoadsLikeSafetensors() throws Exception {
        Path fixture = Path.of(System.getProperty("nli.fixtures.dir"), "camembert-tiny");
        ObjectMapper json = new ObjectMapper();
        ObjectNode config =
                (ObjectNode) json.readTree(fixture.resolve("config.json").toFile());
        config.put("num_hidden_layers", 1);
        Path bin = Files.createDirectory(tmp.resolve("bin"));
        Path st = Files.createDirectory(tmp.resolve("safetensors"));
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> weights = new LinkedHashMap<>();
            Safetensors.read(fixture.resolve("model.safetensors"), m).forEach((k, v) -> {
                if (!k.contains(".layer.1.")) {
                    weights.put(k, v);
                }
            });
            List<TorchSaveWriter.TensorSpec> tensors = new ArrayList<>();
            int key = 0;
            for (Map.Entry<String, NDArray> e : weights.entrySet()) {
                tensors.add(TorchSaveWriter.contiguous(
                        e.getKey(),
                        TorchSaveWriter.floats(
                                Integer.toString(key++), e.getValue().toFloatArray()),
                        e.getValue().getShape().getShape()));
            }
            TorchSaveWriter.writeZip(bin.resolve("pytorch_model.bin"), "archive", tensors);
            Safetensors.write(st.resolve("model.safetensors"), weights, Map.of(), Safetensors.FloatFormat.F32);
            for (Path dir : new Path[] {bin, st}) {
                Files.writeString(dir.resolve("config.json"), config.toString());
            }

            LoadedModel fromBin = PretrainedModels.load(bin, m);
            LoadedModel fromSafetensors = PretrainedModels.load(st, m);
            assertThat(fromBin.report().clean()).isTrue();
            fromSafetensors
                    .model()
                    .namedParameters()
                    .forEach((name, p) -> assertThat(fromBin.model()
                                    .namedParameters()
                                    .get(name)
                                    .getArray()
                                    .contentEquals(p.getArray()))
                            .as(name)
                            .isTrue());
            Map<String, NDArray> expected = Safetensors.read(fixture.resolve("expected.safetensors"), m);
            try (NDManager batch = m.newSubManager()) {
                ParameterStore ps = new ParameterStore(batch, false);
                NDArray a = fromBin.model()
                        .classify(ps, expected.get("input_ids"), expected.get("attention_mask"), false, false)
                        .logits();
                NDArray b = fromSafetensors
                        .model()
                        .classify(ps, expected.get("input_ids"), expected.get("attention_mask"), false, false)
                        .logits();
                assertThat(a.contentEquals(b)).isTrue();
            }
        }
    }
}
