package io.nlistream.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.nlistream.trainer.model.Seeds;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** fp16's dynamic loss scaling: torch.cuda.amp.GradScaler's rules, alone and inside a training step. */
class LossScalerTest {
    @Test
    void defaultsAreTorchGradScalers() {
        LossScaler s = LossScaler.dynamic();
        assertThat(s.enabled()).isTrue();
        assertThat(s.scale()).isEqualTo(65536.0);
        assertThat(LossScaler.GROWTH_FACTOR).isEqualTo(2.0);
        assertThat(LossScaler.BACKOFF_FACTOR).isEqualTo(0.5);
        assertThat(LossScaler.GROWTH_INTERVAL).isEqualTo(2000);
        assertThat(LossScaler.disabled().scale()).isEqualTo(1.0);
    }

    @Test
    void unscalesFindsInfAndNanBacksOffAndGrowsAfterTheIntervalOfCleanSteps() {
        LossScaler s = new LossScaler(8, 2, 0.5, 3);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray clean = m.create(new float[] {8f, -16f, 0f});
            assertThat(s.unscaleAndCheck(List.of(clean))).isFalse();
            assertThat(clean.toFloatArray()).containsExactly(1f, -2f, 0f);
            s.update(false);
            s.update(false);
            assertThat(s.scale()).isEqualTo(8.0);
            assertThat(s.growthTracker()).isEqualTo(2);
            s.update(false); // the third clean step in a row doubles the scale
            assertThat(s.scale()).isEqualTo(16.0);
            assertThat(s.growthTracker()).isZero();

            NDArray finite = m.create(new float[] {1f});
            NDArray inf = m.create(new float[] {1f, Float.POSITIVE_INFINITY});
            assertThat(s.unscaleAndCheck(List.of(finite, inf))).isTrue();
            s.update(true);
            assertThat(s.scale()).isEqualTo(8.0);
            assertThat(s.growthTracker()).isZero();
            assertThat(s.skippedSteps()).isEqualTo(1);

            s.update(false);
            assertThat(s.unscaleAndCheck(List.of(m.create(new float[] {Float.NaN}))))
                    .isTrue();
            s.update(true); // a skip resets the run of clean steps
            assertThat(s.scale()).isEqualTo(4.0);
            assertThat(s.growthTracker()).isZero();
            assertThat(s.skippedSteps()).isEqualTo(2);
        }
    }

    @Test
    void disabledNeverSkipsAndLeavesGradientsAlone() {
        LossScaler s = LossScaler.disabled();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray g = m.create(new float[] {3f, Float.NaN});
            assertThat(s.unscaleAndCheck(List.of(g))).isFalse();
            assertThat(g.getFloat(0)).isEqualTo(3f);
            s.update(true);
            assertThat(s.scale()).isEqualTo(1.0);
            assertThat(s.skippedSteps()).isZero();
        }
    }

    @Test
    void aStepWithInfGradientsIsSkippedAndTheScaleHalved() {
        try (NDManager manager = NDManager.newBaseManager()) {
            BagOfTokensClassifier model = new BagOfTokensClassifier(manager, 64, 8, 3, 7);
            AdamW adamw = new AdamW(0.9, 0.999, 1e-8, 0.01);
            Map<String, float[]> before = snapshot(model);
            LossScaler scaler = new LossScaler(1024, 2, 0.5, 2000);
            TrainingStep.Result r = step(new PoisonedGradient(model, manager), manager, adamw, scaler);
            assertThat(r.skipped()).isTrue();
            assertThat(Double.isFinite(r.loss())).isTrue();
            assertThat(scaler.scale()).isEqualTo(512.0);
            assertThat(scaler.skippedSteps()).isEqualTo(1);
            assertThat(adamw.stepCount()).as("no optimizer step").isZero();
            before.forEach(
                    (k, v) -> assertThat(model.trainableParameters().get(k).toFloatArray())
                            .as(k)
                            .containsExactly(v));
            model.trainableParameters()
                    .values()
                    .forEach(p -> assertThat(p.getGradient().abs().sum().getFloat())
                            .as("gradients cleared for the next step")
                            .isZero());

            // the next step, without the poison, trains
            assertThat(step(model, manager, adamw, scaler).skipped()).isFalse();
            assertThat(scaler.growthTracker()).isEqualTo(1);
            assertThat(adamw.stepCount()).isEqualTo(1);
            assertThat(model.trainableParameters().get("classifier.weight").toFloatArray())
                    .isNotEqualTo(before.get("classifier.weight"));
        }
    }

    @Test
    void scalingByAPowerOfTwoChangesNothingInFloat32() {
        Map<String, float[]> plain;
        Map<String, float[]> scaled;
        try (NDManager manager = NDManager.newBaseManager()) {
            BagOfTokensClassifier model = new BagOfTokensClassifier(manager, 64, 8, 3, 7);
            step(model, manager, new AdamW(0.9, 0.999, 1e-8, 0.01), LossScaler.disabled());
            plain = snapshot(model);
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            BagOfTokensClassifier model = new BagOfTokensClassifier(manager, 64, 8, 3, 7);
            step(model, manager, new AdamW(0.9, 0.999, 1e-8, 0.01), LossScaler.dynamic());
            scaled = snapshot(model);
        }
        plain.forEach((k, v) -> assertThat(scaled.get(k)).as(k).containsExactly(v));
    }

    /**
     * The model plus {@code sqrt(poison)} on the logits, poison = 0: its gradient is inf·(sum of the logit gradients),
     * non-finite, as an fp16 overflow makes a gradient; the model's own gradients stay finite.
     */
    private static final class PoisonedGradient implements TrainableClassifier {
        private final TrainableClassifier inner;
        private final Map<String, NDArray> params = new LinkedHashMap<>();

        PoisonedGradient(TrainableClassifier inner, NDManager manager) {
            this.inner = inner;
            params.putAll(inner.trainableParameters());
            NDArray poison = manager.zeros(new Shape(1));
            poison.setRequiresGradient(true);
            params.put("poison", poison);
        }

        @Override
        public NDArray logits(NDArray inputIds, NDArray attentionMask, boolean training) {
            return inner.logits(inputIds, attentionMask, training)
                    .add(params.get("poison").sqrt());
        }

        @Override
        public Map<String, NDArray> trainableParameters() {
            return params;
        }

        @Override
        public long parameterCount() {
            return inner.parameterCount() + 1;
        }
    }

    private static TrainingStep.Result step(
            TrainableClassifier model, NDManager manager, AdamW adamw, LossScaler scaler) {
        Seeds.set(11); // the same dropout mask in every call
        try (NDManager step = manager.newSubManager()) {
            long[] ids = {1, 12, 30, 40, 1, 11, 25, 0, 1, 10, 33, 35};
            long[] mask = {1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1};
            return TrainingStep.run(
                    model,
                    step,
                    step.create(ids, new Shape(3, 4)),
                    step.create(mask, new Shape(3, 4)),
                    step.create(new long[] {2, 1, 0}),
                    adamw,
                    1e-2,
                    1.0,
                    scaler);
        }
    }

    private static Map<String, float[]> snapshot(BagOfTokensClassifier model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        model.trainableParameters().forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }
}
