package io.nlistream.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The reader against files PyTorch itself wrote (see src/test/resources/torch-save/README.md). */
class RealTorchFilesTest {
    private static NDManager manager;
    private static JsonNode expected;

    @BeforeAll
    static void load() throws IOException {
        manager = NDManager.newBaseManager();
        try (InputStream in = resource("expected.json")) {
            expected = new ObjectMapper().readTree(in);
        }
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"state_zip.bin", "state_legacy.bin", "module_zip.bin"})
    void readsWhatTorchSaveWroteWithTheValuesTorchReadBack(String file) throws IOException {
        Path path = Files.createTempFile("torch", ".bin");
        try (InputStream in = resource(file)) {
            Files.copy(in, path, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        String prefix = file.startsWith("module") ? "module." : "";

        NDList arrays = PytorchBinReader.read(path, manager);

        List<String> names = new ArrayList<>();
        expected.fieldNames().forEachRemaining(n -> {
            if (prefix.isEmpty() ? !n.startsWith("module.") : n.startsWith(prefix)) {
                names.add(n.substring(prefix.length()));
            }
        });
        assertThat(arrays).extracting(NDArray::getName).containsExactlyElementsOf(names);
        for (NDArray array : arrays) {
            JsonNode want = expected.get(prefix + array.getName());
            long[] shape = new long[want.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = want.get("shape").get(i).asLong();
            }
            assertThat(array.getShape().getShape()).as(array.getName()).containsExactly(shape);
            boolean integer = want.get("dtype").asText().equals("torch.int64");
            assertThat(array.getDataType()).isEqualTo(integer ? DataType.INT64 : DataType.FLOAT32);
            double[] values = array.toType(DataType.FLOAT64, false).toDoubleArray();
            for (int i = 0; i < values.length; i++) {
                double w = want.get("values").get(i).asDouble();
                assertThat(values[i]).as(array.getName() + "[" + i + "]").isCloseTo(w, within(Math.abs(w) * 1e-7));
            }
        }
        Files.delete(path);
    }

    private static InputStream resource(String name) {
        return Objects.requireNonNull(RealTorchFilesTest.class.getResourceAsStream("/torch-save/" + name), name);
    }
}
