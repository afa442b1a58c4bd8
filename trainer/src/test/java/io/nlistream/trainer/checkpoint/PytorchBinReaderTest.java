package io.nlistream.trainer.checkpoint;

import static io.nlistream.trainer.checkpoint.TorchSaveWriter.contiguous;
import static io.nlistream.trainer.checkpoint.TorchSaveWriter.floats;
import static io.nlistream.trainer.checkpoint.TorchSaveWriter.list;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.nlistream.trainer.checkpoint.TorchSaveWriter.Pickler;
import io.nlistream.trainer.checkpoint.TorchSaveWriter.StorageSpec;
import io.nlistream.trainer.checkpoint.TorchSaveWriter.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PytorchBinReaderTest {

    private static NDManager manager;

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void readsAStateDictInOrderWithNamesShapesAndValues() throws IOException {
        Random random = new Random(42);
        float[] weight = randomFloats(random, 12);
        float[] bias = randomFloats(random, 3);
        List<TensorSpec> tensors = list(
                contiguous("encoder.layer.0.attention.self.query.weight", floats("0", weight), 3, 4),
                contiguous("encoder.layer.0.attention.self.query.bias", floats("1", bias), 3),
                contiguous("embeddings.position_ids", TorchSaveWriter.longs("2", 0, 1, 2, 3, 4), 1, 5));
        Path file = dir.resolve("pytorch_model.bin");
        TorchSaveWriter.writeZip(file, "archive", tensors);

        NDList arrays = PytorchBinReader.read(file, manager);

        assertThat(arrays)
                .extracting(NDArray::getName)
                .containsExactly(
                        "encoder.layer.0.attention.self.query.weight",
                        "encoder.layer.0.attention.self.query.bias",
                        "embeddings.position_ids");
        assertThat(arrays.get(0).getShape()).isEqualTo(new Shape(3, 4));
        assertThat(arrays.get(0).getDataType()).isEqualTo(DataType.FLOAT32);
        assertThat(arrays.get(0).toFloatArray()).containsExactly(weight);
        assertThat(arrays.get(1).toFloatArray()).containsExactly(bias);
        assertThat(arrays.get(2).getDataType()).isEqualTo(DataType.INT64);
        assertThat(arrays.get(2).getShape()).isEqualTo(new Shape(1, 5));
        assertThat(arrays.get(2).toLongArray()).containsExactly(0, 1, 2, 3, 4);
    }

    @Test
    void readsAStateDictWithHundredsOfEntries() throws IOException {
        // past 256 memo entries the pickler switches to LONG_BINPUT / LONG_BINGET
        List<TensorSpec> tensors = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            tensors.add(contiguous("layer." + i + ".bias", floats(Integer.toString(i), i, -i), 2));
        }
        Path file = dir.resolve("many.bin");
        TorchSaveWriter.writeZip(file, "archive", tensors);

        NDList arrays = PytorchBinReader.read(file, manager);

        assertThat(arrays).hasSize(300);
        assertThat(arrays.get(299).getName()).isEqualTo("layer.299.bias");
        assertThat(arrays.get(299).toFloatArray()).containsExactly(299, -299);
    }

    @Test
    void honoursStridesOfATransposedViewAndTheStorageOffsetOfASlice() throws IOException {
        // storage: the 3x4 matrix [[0,1,2,3],[4,5,6,7],[8,9,10,11]] row-major
        StorageSpec matrix = floats("0", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        List<TensorSpec> tensors = list(
                new TensorSpec("transposed", matrix, 0, new long[] {4, 3}, new long[] {1, 4}),
                new TensorSpec("column_slice", matrix, 1, new long[] {3, 2}, new long[] {4, 1}));
        Path file = dir.resolve("views.bin");
        TorchSaveWriter.writeZip(file, "archive", tensors);

        NDList arrays = PytorchBinReader.read(file, manager);

        assertThat(arrays.get(0).getShape()).isEqualTo(new Shape(4, 3));
        assertThat(arrays.get(0).toFloatArray()).containsExactly(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
        assertThat(arrays.get(1).toFloatArray()).containsExactly(1, 2, 5, 6, 9, 10);
    }

    @Test
    void tensorsSharingOneStorageEachSeeTheirOwnPart() throws IOException {
        // like tied embeddings, or a fused qkv weight saved as three views
        StorageSpec shared = floats("0", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        List<TensorSpec> tensors = list(
                new TensorSpec("word_embeddings.weight", shared, 0, new long[] {2, 3}, new long[] {3, 1}),
                contiguous("other", floats("1", 42), 1),
                new TensorSpec("lm_head.decoder.weight", shared, 0, new long[] {2, 3}, new long[] {3, 1}),
                new TensorSpec("tail", shared, 6, new long[] {4}, new long[] {1}));
        Path file = dir.resolve("shared.bin");
        TorchSaveWriter.writeZip(file, "archive", tensors);

        NDList arrays = PytorchBinReader.read(file, manager);

        assertThat(arrays.get(0).toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(arrays.get(2).toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(arrays.get(3).toFloatArray()).containsExactly(7, 8, 9, 10);
        assertThat(arrays.get(1).toFloatArray()).containsExactly(42);
    }

    @Test
    void convertsHalfAndBFloat16ToFloat32() throws IOException {
        // binary16: 1, -2.5, 65504 (max), 2^-24 (smallest subnormal), 1/3 rounded, -0, +inf
        StorageSpec half =
                TorchSaveWriter.shorts("0", "HalfStorage", 0x3c00, 0xc100, 0x7bff, 0x0001, 0x3555, 0x8000, 0x7c00);
        // bfloat16: 1, -2.5, 3.140625, 1e-38-ish (0x006d), -inf
        StorageSpec bf16 = TorchSaveWriter.shorts("1", "BFloat16Storage", 0x3f80, 0xc020, 0x4049, 0x006d, 0xff80);
        Path file = dir.resolve("half.bin");
        TorchSaveWriter.writeZip(file, "archive", list(contiguous("h", half, 7), contiguous("b", bf16, 5)));

        NDList arrays = PytorchBinReader.read(file, manager);

        assertThat(arrays.get(0).getDataType()).isEqualTo(DataType.FLOAT32);
        assertThat(arrays.get(0).toFloatArray())
                .containsExactly(1f, -2.5f, 65504f, 0x1p-24f, 0.333251953125f, -0f, Float.POSITIVE_INFINITY);
        assertThat(arrays.get(1).getDataType()).isEqualTo(DataType.FLOAT32);
        assertThat(arrays.get(1).toFloatArray())
                .containsExactly(1f, -2.5f, 3.140625f, Float.intBitsToFloat(0x006d0000), Float.NEGATIVE_INFINITY);
    }

    @Test
    void readsAnOlderArchiveNamedAfterTheFileAndAScalar() throws IOException {
        Path file = dir.resolve("old.bin");
        TorchSaveWriter.writeZip(
                file, "pytorch_model", list(new TensorSpec("scale", floats("0", 0.125f), 0, new long[0], new long[0])));

        NDArray scale = PytorchBinReader.read(file, manager).get(0);

        assertThat(scale.getShape()).isEqualTo(new Shape());
        assertThat(scale.getName()).isEqualTo("scale");
        assertThat(scale.toFloatArray()).containsExactly(0.125f);
    }

    @Test
    void readsAReZippedDeflatedArchive() throws IOException {
        Path file = dir.resolve("rezipped.bin");
        TorchSaveWriter.writeDeflatedZip(file, "archive", list(contiguous("w", floats("0", 1.5f, -2, 3), 3)));

        assertThat(PytorchBinReader.read(file, manager).get(0).toFloatArray()).containsExactly(1.5f, -2, 3);
    }

    @Test
    void aTruncatedDownloadIsReportedAsSuch() throws IOException {
        Path file = dir.resolve("cut.bin");
        TorchSaveWriter.writeZip(file, "archive", list(contiguous("w", floats("0", 1, 2, 3, 4), 4)));
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length - 30));

        assertThatThrownBy(() -> PytorchBinReader.read(file, manager))
                .hasMessageContaining("cut.bin")
                .hasMessageContaining("truncated download?");
    }

    @Test
    void readsTheLegacyNonZipFormat() throws IOException {
        StorageSpec matrix = floats("94114", 0, 1, 2, 3, 4, 5);
        List<TensorSpec> tensors = list(
                new TensorSpec("t", matrix, 0, new long[] {3, 2}, new long[] {1, 3}),
                contiguous("ids", TorchSaveWriter.longs("93000", 7, 8), 2));
        Path file = dir.resolve("legacy.bin");
        TorchSaveWriter.writeLegacy(file, tensors);

        NDList arrays = PytorchBinReader.read(file, manager);

        assertThat(arrays).extracting(NDArray::getName).containsExactly("t", "ids");
        assertThat(arrays.get(0).toFloatArray()).containsExactly(0, 3, 1, 4, 2, 5);
        assertThat(arrays.get(1).toLongArray()).containsExactly(7, 8);
    }

    @Test
    void refusesAForbiddenGlobalBeforeDoingAnything() throws IOException {
        Pickler evil = new Pickler();
        evil.global("os", "system")
                .raw('(')
                .string("touch /tmp/pwned")
                .raw('t')
                .raw('R')
                .stop();
        Path file = dir.resolve("evil.bin");
        TorchSaveWriter.writeZip(file, "archive", evil.bytes(), Map.of());

        assertThatThrownBy(() -> PytorchBinReader.read(file, manager))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("evil.bin")
                .hasMessageContaining("refusing global 'os.system'")
                .hasMessageContaining("only contain tensors and plain containers");
    }

    @Test
    void refusesObjectBuildingOpcodesAndNonTensorValues() throws IOException {
        Pickler newobj = new Pickler();
        newobj.global("collections", "OrderedDict").raw(')').raw(0x81).stop();
        Path file = dir.resolve("newobj.bin");
        TorchSaveWriter.writeZip(file, "archive", newobj.bytes(), Map.of());
        assertThatThrownBy(() -> PytorchBinReader.read(file, manager))
                .hasMessageContaining("opcode 0x81 is not allowed");

        Pickler nested = new Pickler();
        nested.raw('}').put().string("epoch").integer(3).raw('s').stop();
        Path checkpoint = dir.resolve("checkpoint.bin");
        TorchSaveWriter.writeZip(checkpoint, "archive", nested.bytes(), Map.of());
        assertThatThrownBy(() -> PytorchBinReader.read(checkpoint, manager))
                .hasMessageContaining("'epoch' is a Long, not a tensor");
    }

    @Test
    void aTruncatedStorageIsReportedNotReadOutOfBounds() throws IOException {
        StorageSpec tooShort = floats("0", 1, 2, 3);
        Path file = dir.resolve("short.bin");
        TorchSaveWriter.writeZip(
                file, "archive", list(new TensorSpec("w", tooShort, 0, new long[] {2, 2}, new long[] {2, 1})));

        assertThatThrownBy(() -> PytorchBinReader.read(file, manager))
                .hasMessageContaining("tensor 'w' reads past the end of its storage (12 bytes)");
    }

    @Test
    void aFileThatIsNotATorchSaveIsNamed() throws IOException {
        Path file = dir.resolve("model.safetensors");
        Files.writeString(file, "{\"not\": \"a pickle\"}");
        assertThatThrownBy(() -> PytorchBinReader.read(file, manager))
                .hasMessageContaining("model.safetensors")
                .hasMessageContaining("not a torch.save file");
    }

    private static float[] randomFloats(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
