package io.nlistream.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.nlistream.trainer.checkpoint.Safetensors;
import io.nlistream.trainer.engine.CpuFeatures;
import io.nlistream.trainer.engine.Float32Matmul;
import io.nlistream.trainer.eval.MetricsJson;
import io.nlistream.trainer.eval.RunMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --precision}: an fp16 base trains the tiny DeBERTa-v2 to fp32's accuracy, its adapter stays float32 and
 * exports to a bundle whose ONNX Runtime check passes; bad combinations are refused with a fix.
 */
class TrainPrecisionCliTest {
    /** The fp16 run's accuracy must be within this of the fp32 run's (both are also held to the fp32 test's 0.95). */
    private static final double ACCURACY_MARGIN = 0.05;

    @TempDir
    Path dir;

    private TrainCommandTest.Run train(Path data, Path run, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "train",
                "--model",
                TrainCommandTest.fixture("deberta-tiny-a").toString(),
                "--train",
                data.toString(),
                "--eval",
                data.toString(),
                "--output",
                run.toString(),
                "--epochs",
                "6",
                "--batch-size",
                "8",
                "--lr",
                "1e-2",
                "--patience",
                "0",
                "--no-progress",
                "--no-calibration"));
        args.addAll(List.of(extra));
        return TrainCommandTest.cli(args.toArray(String[]::new));
    }

    @Test
    void fp16TrainsToFp32sAccuracyAndItsAdapterExportsWithAPassingCheck() throws IOException {
        Path data = TrainCommandTest.cueTask(dir.resolve("train.tsv"), 48, 1);
        TrainCommandTest.Run fp32 = train(data, dir.resolve("fp32"));
        assertThat(fp32.exit()).as(fp32.out() + fp32.err()).isZero();
        TrainCommandTest.Run fp16 = train(data, dir.resolve("fp16"), "--precision", "fp16");
        assertThat(fp16.exit()).as(fp16.out() + fp16.err()).isZero();

        RunMetrics m32 = MetricsJson.readRun(dir.resolve("fp32"));
        RunMetrics m16 = MetricsJson.readRun(dir.resolve("fp16"));
        System.out.printf(
                "tiny DeBERTa-v2, cue task: accuracy fp32 %.4f, fp16 %.4f; eval loss fp32 %.5f, fp16 %.5f%n",
                m32.finalEval().accuracy(),
                m16.finalEval().accuracy(),
                m32.finalEval().loss(),
                m16.finalEval().loss());
        assertThat(m32.config()).containsEntry("precision", "fp32");
        assertThat(m16.config()).containsEntry("precision", "fp16");
        assertThat(m16.finalEval().accuracy()).isGreaterThanOrEqualTo(0.95);
        assertThat(Math.abs(m16.finalEval().accuracy() - m32.finalEval().accuracy()))
                .isLessThanOrEqualTo(ACCURACY_MARGIN);
        assertThat(fp16.out()).contains("precision fp16: ").contains("cast to float16");
        assertThat(fp16.err()).contains("warning: --precision fp16 on a CPU is for tests");
        assertThat(fp32.out()).doesNotContain("cast to float16");

        Path adapter = dir.resolve("fp16").resolve("adapter");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> saved = Safetensors.read(adapter.resolve("adapter_model.safetensors"), m);
            assertThat(saved).isNotEmpty();
            saved.forEach((k, v) -> assertThat(v.getDataType()).as(k).isEqualTo(DataType.FLOAT32));
        }
        // export merges onto the base re-read from its checkpoint (fp32) and checks ONNX Runtime against DJL
        TrainCommandTest.Run export = TrainCommandTest.cli(
                "export",
                "--model",
                TrainCommandTest.fixture("deberta-tiny-a").toString(),
                "--adapter",
                adapter.toString(),
                "--out",
                dir.resolve("bundle").toString(),
                "--sample-size",
                "8");
        assertThat(export.exit()).as(export.out() + export.err()).isZero();
        assertThat(export.err()).contains("fp32 export vs").contains("argmax agreement 1.0000");
    }

    /**
     * bf16 where the CPU allows it (AVX-512): every tensor fp32, the products through oneDNN, rounded to bf16 on an AMX
     * CPU; it trains the tiny model to fp32's accuracy and the run says which kernels ran. Refused elsewhere.
     */
    @Test
    void bf16TrainsToFp32sAccuracyWhereTheCpuAllowsIt() throws IOException {
        Path data = TrainCommandTest.cueTask(dir.resolve("train.tsv"), 48, 1);
        TrainCommandTest.Run bf16 = train(data, dir.resolve("bf16"), "--precision", "bf16");
        if (!CpuFeatures.detect().avx512Core()) {
            assertThat(bf16.exit()).isEqualTo(2);
            assertThat(bf16.err())
                    .contains("--precision bf16")
                    .contains("needs AVX-512")
                    .contains("use fp32");
            assertThat(dir.resolve("bf16")).doesNotExist();
            return;
        }
        assertThat(bf16.exit()).as(bf16.out() + bf16.err()).isZero();
        TrainCommandTest.Run fp32 = train(data, dir.resolve("fp32"));
        assertThat(fp32.exit()).as(fp32.out() + fp32.err()).isZero();
        RunMetrics m32 = MetricsJson.readRun(dir.resolve("fp32"));
        RunMetrics m16 = MetricsJson.readRun(dir.resolve("bf16"));
        System.out.printf(
                "tiny DeBERTa-v2, cue task: accuracy fp32 %.4f, bf16 %.4f; eval loss fp32 %.5f, bf16 %.5f%n",
                m32.finalEval().accuracy(),
                m16.finalEval().accuracy(),
                m32.finalEval().loss(),
                m16.finalEval().loss());
        assertThat(m16.config()).containsEntry("precision", "bf16");
        assertThat(m16.finalEval().accuracy()).isGreaterThanOrEqualTo(0.95);
        assertThat(Math.abs(m16.finalEval().accuracy() - m32.finalEval().accuracy()))
                .isLessThanOrEqualTo(ACCURACY_MARGIN);
        assertThat(bf16.out()).contains("float32 products: ").containsAnyOf("bf16 products", "computes fp32");
        assertThat(bf16.out()).doesNotContain("cast to float16");
        assertThat(Float32Matmul.current())
                .as("the setting is restored after the run")
                .isEqualTo(Float32Matmul.Kernels.MKL);
    }

    @Test
    void badPrecisionsAreRefusedWithAFix() throws IOException {
        Path data = TrainCommandTest.cueTask(dir.resolve("train.tsv"), 12, 1);

        TrainCommandTest.Run all = train(data, dir.resolve("b"), "--precision", "fp16", "--trainable", "all");
        assertThat(all.exit()).isEqualTo(2);
        assertThat(all.err()).contains("--trainable all freezes nothing").contains("use --precision fp32");

        TrainCommandTest.Run typo = train(data, dir.resolve("c"), "--precision", "fp8");
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err()).contains("--precision fp8: expected fp32, fp16 or bf16");
        assertThat(dir.resolve("c")).doesNotExist();
    }
}
