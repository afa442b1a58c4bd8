package io.nlistream.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import io.nlistream.trainer.checkpoint.Safetensors;
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
 * The fp16 base against the fp32 PEFT fixtures (../shared/fixtures, lora-*-tiny): one train-mode forward and backward
 * from the fixture's initial LoRA + head, with the frozen base cast to fp16 and the loss scaled by 2^16 (unscaled
 * before comparing). Tolerances (docs/training.md, "Half precision"): the loss within {@code lossTol} absolute of the
 * fp32 loss; every gradient tensor within {@code gradTol} of the largest magnitude of its fp32 reference (max |g - g32|
 * / max |g32|). Measured: loss 5e-6 to 7e-6, gradients up to 2.0e-3 (fp16's unit roundoff is 4.9e-4; errors grow
 * through the layers and the backward pass).
 */
class HalfPrecisionStepTest {
    @ParameterizedTest
    @CsvSource({
        "lora-deberta-tiny, FP16, 1e-4, 1e-2",
        "lora-camembert-tiny, FP16, 1e-4, 1e-2",
    })
    void lossAndLoraGradientsStayWithinToleranceOfFp32(
            String fixture, Precision precision, double lossTol, double gradTol) {
        Path dir = AdamWTest.fixture(fixture);
        try (NDManager manager = NDManager.newBaseManager()) {
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

            // the base's products are half now; LoRA and the head are not
            assertThat(cast.parameters()).isGreaterThan(10);
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
            double worst = relative.values().stream()
                    .mapToDouble(Double::doubleValue)
                    .max()
                    .orElseThrow();
            System.out.printf(
                    "%s %s: loss %.7f vs fp32 %.7f (|diff| %.2e); worst gradient max|diff|/max|ref| %.2e%n",
                    fixture, precision, loss, loss32, Math.abs(loss - loss32), worst);
            assertThat(Math.abs(loss - loss32)).as("loss").isLessThanOrEqualTo(lossTol);
            // the cast took effect: a half base cannot reproduce fp32 to the last bit
            assertThat(loss).as("loss differs from fp32").isNotEqualTo(loss32);
            assertThat(relative).hasSize(trainable.trainableParameters().size());
            relative.forEach((name, r) -> assertThat(r).as(name).isLessThanOrEqualTo(gradTol));
        }
    }
}
