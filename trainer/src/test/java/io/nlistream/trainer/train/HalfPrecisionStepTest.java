package io.nlistream.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import io.nlistream.trainer.checkpoint.Safetensors;
import io.nlistream.trainer.engine.CpuFeatures;
import io.nlistream.trainer.engine.Float32Matmul;
import io.nlistream.trainer.model.FrozenBase;
import io.nlistream.trainer.model.Precision;
import io.nlistream.trainer.model.PretrainedModels;
import io.nlistream.trainer.model.SequenceClassifier;
import io.nlistream.trainer.model.lora.Lora;
import io.nlistream.trainer.model.lora.LoraLinear;
import io.nlistream.trainer.model.lora.PeftAdapter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Half precision against the fp32 PEFT fixtures (../shared/fixtures, lora-*-tiny): one train-mode forward and backward
 * from the fixture's initial LoRA + head. Tolerances (docs/training.md, "Half precision"): the loss within {@code
 * lossTol} absolute of the fp32 loss; every gradient tensor within {@code gradTol} of the largest magnitude of its fp32
 * reference (max |g - g32| / max |g32|).
 *
 * <ul>
 *   <li>fp16: the frozen base cast to fp16 and the loss scaled by 2^16 (unscaled before comparing). Measured: loss 5e-6
 *       to 7e-6, gradients up to 2.0e-3 (fp16's unit roundoff is 4.9e-4; errors grow through the layers and the
 *       backward pass).
 *   <li>bf16: every tensor fp32, the products through oneDNN with bf16 math ({@link Float32Matmul}); bf16's unit
 *       roundoff is 3.9e-3, eight times fp16's, hence tolerances ten times fp16's. Where the CPU has no AMX oneDNN
 *       computes fp32 and the figures are fp32's; where it has no AVX-512, bf16 is refused (asserted).
 * </ul>
 */
class HalfPrecisionStepTest {
    @ParameterizedTest
    @CsvSource({
        "lora-deberta-tiny, 1e-4, 1e-2",
        "lora-camembert-tiny, 1e-4, 1e-2",
    })
    void fp16BaseLossAndLoraGradientsStayWithinToleranceOfFp32(String fixture, double lossTol, double gradTol) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Step step = step(fixture, Precision.FP16, manager);
            // the base's products are half now; LoRA and the head are not
            assertThat(step.cast().parameters()).isGreaterThan(10);
            // the cast took effect: a half base cannot reproduce fp32 to the last bit
            assertThat(step.loss()).as("loss differs from fp32").isNotEqualTo(step.loss32());
            step.assertWithin(lossTol, gradTol);
        }
    }

    @ParameterizedTest
    @CsvSource({
        "lora-deberta-tiny, 1e-3, 1e-1",
        "lora-camembert-tiny, 1e-3, 1e-1",
    })
    void bf16ProductsKeepLossAndLoraGradientsWithinToleranceOfFp32(String fixture, double lossTol, double gradTol) {
        CpuFeatures cpu = CpuFeatures.detect();
        if (!cpu.avx512Core()) {
            assertThatThrownBy(() -> Float32Matmul.choose(Precision.BF16, false, cpu, null))
                    .hasMessageContaining("needs AVX-512");
            return;
        }
        try (NDManager manager = NDManager.newBaseManager();
                Float32Matmul.Applied kernels =
                        Float32Matmul.apply(Float32Matmul.choose(Precision.BF16, false, cpu, null), manager)) {
            assertThat(Float32Matmul.current()).isEqualTo(Float32Matmul.Kernels.ONEDNN);
            Step step = step(fixture, Precision.BF16, manager);
            System.out.println(fixture + " bf16: " + kernels.description());
            assertThat(step.cast().parameters()).as("bf16 casts nothing").isZero();
            if (kernels.bf16Products()) {
                assertThat(step.loss()).as("loss differs from fp32").isNotEqualTo(step.loss32());
            }
            step.assertWithin(lossTol, gradTol);
        }
        assertThat(Float32Matmul.current()).as("restored").isEqualTo(Float32Matmul.Kernels.MKL);
    }

    /** One step's loss and each trainable's gradient error against the fixture's fp32 reference. */
    private record Step(
            String fixture,
            Precision precision,
            FrozenBase.Cast cast,
            double loss,
            double loss32,
            Map<String, Double> relative,
            int trainables) {
        void assertWithin(double lossTol, double gradTol) {
            double worst = relative.values().stream()
                    .mapToDouble(Double::doubleValue)
                    .max()
                    .orElseThrow();
            System.out.printf(
                    "%s %s: loss %.7f vs fp32 %.7f (|diff| %.2e); worst gradient max|diff|/max|ref| %.2e%n",
                    fixture, precision, loss, loss32, Math.abs(loss - loss32), worst);
            assertThat(Math.abs(loss - loss32)).as("loss").isLessThanOrEqualTo(lossTol);
            assertThat(relative).hasSize(trainables);
            relative.forEach((name, r) -> assertThat(r).as(name).isLessThanOrEqualTo(gradTol));
        }
    }

    private static Step step(String fixture, Precision precision, NDManager manager) {
        Path dir = AdamWTest.fixture(fixture);
        Map<String, NDArray> expected = Safetensors.read(dir.resolve("expected.safetensors"), manager);
        SequenceClassifier model =
                PretrainedModels.load(dir.resolve("base"), manager).model();
        Lora.apply(model, PeftAdapter.readConfig(dir.resolve("adapter")), manager);
        model.namedParameters().forEach((name, p) -> {
            if (Lora.TRAINABLE.test(name)) {
                p.getArray()
                        .set(expected.get("init/" + PeftAdapter.peftParameterName(name))
                                .toFloatArray());
            }
        });
        EncoderTrainable trainable = new EncoderTrainable(model, manager, Lora.TRAINABLE);
        FrozenBase.Cast cast =
                FrozenBase.cast(model, n -> trainable.trainableParameters().containsKey(n), precision);

        LoraLinear wrapped = model.namedModules().values().stream()
                .filter(LoraLinear.class::isInstance)
                .map(LoraLinear.class::cast)
                .findFirst()
                .orElseThrow();
        assertThat(wrapped.base().weight().getArray().getDataType()).isEqualTo(precision.dataType());
        assertThat(wrapped.loraA().weight().getArray().getDataType()).isEqualTo(DataType.FLOAT32);
        trainable
                .trainableParameters()
                .values()
                .forEach(p -> assertThat(p.getDataType()).isEqualTo(DataType.FLOAT32));
        model.namedParameters().forEach((name, p) -> {
            if (name.startsWith("classifier.")) {
                assertThat(p.getArray().getDataType()).as(name).isEqualTo(DataType.FLOAT32);
            }
        });
        LossScaler scaler = precision.needsLossScaling() ? LossScaler.dynamic() : LossScaler.disabled();
        double loss;
        double loss32;
        Map<String, NDArray> grads = new LinkedHashMap<>();
        Map<String, Double> relative = new LinkedHashMap<>();
        try (NDManager batch = manager.newSubManager()) {
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray logits = trainable.logits(expected.get("input_ids"), expected.get("attention_mask"), true);
                assertThat(logits.getDataType()).isEqualTo(DataType.FLOAT32);
                NDArray lossArray = Batches.crossEntropy(logits, expected.get("labels"));
                loss = lossArray.getFloat();
                collector.backward(scaler.scaleLoss(lossArray));
            }
            trainable.trainableParameters().forEach((name, p) -> {
                NDArray g = p.getGradient();
                g.attach(batch);
                grads.put(name, g);
            });
            assertThat(scaler.unscaleAndCheck(grads.values()))
                    .as("finite gradients")
                    .isFalse();

            loss32 = expected.get("loss0").toFloatArray()[0];
            for (Map.Entry<String, NDArray> e : grads.entrySet()) {
                float[] g = e.getValue().toFloatArray();
                float[] ref = expected.get("grad/" + PeftAdapter.peftParameterName(e.getKey()))
                        .toFloatArray();
                double maxRef = 0;
                double maxDiff = 0;
                for (int i = 0; i < g.length; i++) {
                    maxRef = Math.max(maxRef, Math.abs(ref[i]));
                    maxDiff = Math.max(maxDiff, Math.abs((double) g[i] - ref[i]));
                }
                relative.put(e.getKey(), maxDiff / maxRef);
            }
            grads.values().forEach(g -> g.subi(g));
        }
        return new Step(
                fixture,
                precision,
                cast,
                loss,
                loss32,
                relative,
                trainable.trainableParameters().size());
    }
}
