package io.nlistream.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.nlistream.schemas.Labels;
import io.nlistream.tokenizer.EncodedPair;
import io.nlistream.tokenizer.PairTokenizer;
import io.nlistream.trainer.data.EncodedSet;
import io.nlistream.trainer.eval.EpochMetrics;
import io.nlistream.trainer.model.Precision;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loop on a small separable task: learning, determinism, kill + resume, early stopping with best restore. */
class TrainerTest {
    private static final int VOCAB = 64;
    private static PairTokenizer tokenizer;

    @TempDir
    Path dir;

    @BeforeAll
    static void tokenizer() {
        tokenizer = PairTokenizer.load(AdamWTest.fixture("tokenizer-deberta"), 64);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    /** Pairs of random filler tokens where one cue token (10 + label) decides the label. */
    static EncodedSet cueTask(int n, long seed) {
        Random r = new Random(seed);
        List<EncodedPair> pairs = new ArrayList<>();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int label = r.nextInt(3);
            int len = 6 + r.nextInt(20);
            long[] ids = new long[len];
            ids[0] = 1;
            for (int t = 1; t < len; t++) {
                ids[t] = 20 + r.nextInt(VOCAB - 20);
            }
            ids[1 + r.nextInt(len - 1)] = 10 + label;
            pairs.add(new EncodedPair(ids, new long[len], false));
            labels[i] = label;
        }
        return new EncodedSet("cue-task-" + seed, pairs, labels);
    }

    static TrainConfig config(int epochs, double lr, int patience) {
        return new TrainConfig(epochs, 16, 32, lr, 0.01, 0.9, 0.999, 1e-8, 2, 1.0, patience, 42, 4, Precision.FP32);
    }

    private Trainer.Outcome run(
            TrainConfig config,
            Path runDir,
            boolean resume,
            Trainer.Listener listener,
            Map<String, float[]> weightsOut) {
        try (NDManager manager = NDManager.newBaseManager()) {
            BagOfTokensClassifier model = new BagOfTokensClassifier(manager, VOCAB, 16, 3, 7);
            Trainer trainer = new Trainer(
                    config,
                    Labels.CONTRACT,
                    tokenizer::pad,
                    new PrintStream(OutputStream.nullOutputStream()),
                    false,
                    listener);
            Trainer.Outcome out = trainer.train(model, manager, cueTask(320, 1), cueTask(90, 2), runDir, resume);
            if (weightsOut != null) {
                model.trainableParameters().forEach((k, v) -> weightsOut.put(k, v.toFloatArray()));
            }
            return out;
        }
    }

    @Test
    void learnsASeparableTaskAndCheckpointsEveryEpoch() {
        Trainer.Outcome out = run(config(4, 3e-2, 3), dir, false, null, null);
        assertThat(out.finalEval().accuracy()).isGreaterThanOrEqualTo(0.95);
        assertThat(out.epochs()).hasSize(4);
        assertThat(out.epochs().get(0).trainLoss())
                .isGreaterThan(out.epochs().get(3).trainLoss());
        for (int e = 1; e <= 4; e++) {
            assertThat(Checkpoints.epochDir(dir, e).resolve(Checkpoints.WEIGHTS))
                    .isRegularFile();
        }
        assertThat(Checkpoints.latest(dir)).contains(Checkpoints.epochDir(dir, 4));
    }

    @Test
    void sameSeedGivesBitIdenticalWeightsAndMetrics() {
        Map<String, float[]> a = new LinkedHashMap<>();
        Map<String, float[]> b = new LinkedHashMap<>();
        Trainer.Outcome oa = run(config(2, 1e-2, 3), dir.resolve("a"), false, null, a);
        Trainer.Outcome ob = run(config(2, 1e-2, 3), dir.resolve("b"), false, null, b);
        a.forEach((k, v) -> assertThat(b.get(k)).as(k).containsExactly(v));
        assertThat(losses(oa)).containsExactly(losses(ob));
    }

    @Test
    void resumeAfterAKillEndsWithTheUninterruptedRunsWeightsAndMetrics() {
        Map<String, float[]> uninterrupted = new LinkedHashMap<>();
        Trainer.Outcome full = run(config(4, 1e-2, 3), dir.resolve("full"), false, null, uninterrupted);

        Path killed = dir.resolve("killed");
        RuntimeException kill = new RuntimeException("killed");
        Trainer.Listener killInEpoch3 = new Trainer.Listener() {
            @Override
            public void onStep(int epoch, long globalStep, double loss) {
                if (epoch == 3 && globalStep == 45) {
                    throw kill;
                }
            }
        };
        assertThatThrownBy(() -> run(config(4, 1e-2, 3), killed, false, killInEpoch3, null))
                .isSameAs(kill);
        assertThat(Checkpoints.latest(killed)).contains(Checkpoints.epochDir(killed, 2));

        Map<String, float[]> resumed = new LinkedHashMap<>();
        Trainer.Outcome rest = run(config(4, 1e-2, 3), killed, true, null, resumed);
        uninterrupted.forEach((k, v) -> assertThat(resumed.get(k)).as(k).containsExactly(v));
        assertThat(losses(rest)).containsExactly(losses(full));
        assertThat(rest.finalEval().accuracy()).isEqualTo(full.finalEval().accuracy());
        assertThat(rest.finalEval().confusion()).isDeepEqualTo(full.finalEval().confusion());
    }

    @Test
    void resumeRefusesOtherSettings() {
        run(config(1, 1e-2, 3), dir, false, null, null);
        assertThatThrownBy(() -> run(config(2, 1e-2, 3), dir, true, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--resume needs the same settings");
    }

    @Test
    void stopsEarlyAndRestoresTheBestEpoch() throws Exception {
        // A learning rate too small to change predictions: macro-F1 never improves after epoch 1.
        Map<String, float[]> restored = new LinkedHashMap<>();
        Trainer.Outcome out = run(config(10, 1e-9, 2), dir, false, null, restored);
        assertThat(out.epochs()).hasSize(3);
        assertThat(out.bestEpoch()).isEqualTo(1);
        assertThat(out.stopReason()).contains("Stopped early after epoch 3");
        assertThat(out.finalEval().macroF1())
                .isEqualTo(out.epochs().get(0).eval().macroF1());
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> epoch1 = new LinkedHashMap<>();
            restored.forEach((k, v) -> epoch1.put(k, m.zeros(new ai.djl.ndarray.types.Shape(v.length))));
            Checkpoints.loadWeights(Checkpoints.epochDir(dir, 1), reshape(epoch1, restored, m));
            restored.forEach(
                    (k, v) -> assertThat(epoch1.get(k).toFloatArray()).as(k).containsExactly(v));
        }
        assertThat(Files.exists(Checkpoints.epochDir(dir, 4))).isFalse();
    }

    private static Map<String, NDArray> reshape(Map<String, NDArray> target, Map<String, float[]> like, NDManager m) {
        Map<String, ai.djl.ndarray.types.Shape> shapes = Map.of(
                "embeddings.weight", new ai.djl.ndarray.types.Shape(VOCAB, 16),
                "classifier.weight", new ai.djl.ndarray.types.Shape(16, 3),
                "classifier.bias", new ai.djl.ndarray.types.Shape(3));
        target.replaceAll((k, v) -> m.zeros(shapes.get(k)));
        return target;
    }

    private static double[] losses(Trainer.Outcome o) {
        List<Double> out = new ArrayList<>();
        for (EpochMetrics e : o.epochs()) {
            out.add(e.trainLoss());
            out.add(e.eval().loss());
            out.add(e.eval().macroF1());
        }
        out.add(o.finalEval().loss());
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
