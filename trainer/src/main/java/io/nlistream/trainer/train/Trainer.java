package io.nlistream.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.nlistream.tokenizer.EncodedPair;
import io.nlistream.tokenizer.PaddedBatch;
import io.nlistream.trainer.data.EncodedSet;
import io.nlistream.trainer.data.LengthBucketBatcher;
import io.nlistream.trainer.eval.ClassificationMetrics;
import io.nlistream.trainer.eval.EpochMetrics;
import io.nlistream.trainer.model.Seeds;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The fine-tuning loop of the seed's recipe: per epoch, seeded length-bucketed batches, AdamW with a linear schedule
 * and optional global-norm clipping, evaluation (macro-F1 drives early stopping), a checkpoint; at the end the best
 * epoch's weights are restored and evaluated once more.
 *
 * <p>Reproducibility: batches come from {@code (seed, epoch)} and the random generators (dropout masks) are re-seeded
 * from {@code (seed, epoch)} at the start of every epoch, so a run resumed from an epoch checkpoint takes exactly the
 * steps the uninterrupted run took.
 */
public final class Trainer {
    /** Observes the loop; tests use it to interrupt a run like a kill would. */
    public interface Listener {
        default void onStep(int epoch, long globalStep, double loss) {}

        default void onEpochEnd(EpochMetrics metrics, boolean best) {}
    }

    /** What a run produced; {@code finalEval} is the restored best epoch on the eval set. */
    public record Outcome(
            List<EpochMetrics> epochs, int bestEpoch, String stopReason, ClassificationMetrics finalEval) {}

    private final TrainConfig config;
    private final List<String> labels;
    private final Function<List<EncodedPair>, PaddedBatch> padder;
    private final PrintStream log;
    private final boolean progressBar;
    private final Listener listener;

    public Trainer(
            TrainConfig config,
            List<String> labels,
            Function<List<EncodedPair>, PaddedBatch> padder,
            PrintStream log,
            boolean progressBar,
            Listener listener) {
        this.config = config;
        this.labels = List.copyOf(labels);
        this.padder = padder;
        this.log = log;
        this.progressBar = progressBar;
        this.listener = listener == null ? new Listener() {} : listener;
    }

    /**
     * Trains {@code model} in place, writing checkpoints under {@code run}. With {@code resume}, continues from the
     * last checkpoint there (a fresh start if there is none).
     */
    public Outcome train(
            TrainableClassifier model, NDManager manager, EncodedSet train, EncodedSet eval, Path run, boolean resume) {
        Map<String, NDArray> params = model.trainableParameters();
        AdamW optimizer = new AdamW(config.beta1(), config.beta2(), config.eps(), config.weightDecay());
        LossScaler scaler = config.newLossScaler();
        LengthBucketBatcher batcher = new LengthBucketBatcher(config.batchSize(), config.seed(), config.poolBatches());
        int batchesPerEpoch = batcher.batchCount(train.size());
        LinearSchedule schedule = LinearSchedule.linear(
                config.learningRate(), config.warmupSteps(), (long) batchesPerEpoch * config.epochs());
        EarlyStopping stopping = new EarlyStopping(config.patience());
        List<EpochMetrics> history = new ArrayList<>();
        long globalStep = 0;
        int startEpoch = 1;
        boolean stopped = false;

        Optional<Path> last = resume ? Checkpoints.latest(run) : Optional.empty();
        if (last.isPresent()) {
            CheckpointState state = Checkpoints.readState(last.get());
            if (!normalised(state.config()).equals(normalised(config.toMap()))) {
                throw new IllegalArgumentException(run + " was trained with " + state.config() + "; --resume needs the"
                        + " same settings (got " + config.toMap() + "), or start a new run with another --output");
            }
            Checkpoints.loadWeights(last.get(), params);
            try (NDManager tmp = NDManager.newBaseManager()) {
                optimizer.load(Checkpoints.readOptimizer(last.get(), tmp), state.optimizerStep(), manager);
            }
            stopping.restore(state.bestMetric(), state.bestEpoch(), state.epochsWithoutImprovement());
            history.addAll(state.history());
            globalStep = state.globalStep();
            startEpoch = state.epoch() + 1;
            stopped = state.stopped();
            log.printf(Locale.ROOT, "resuming %s after epoch %d (step %d)%n", run, state.epoch(), globalStep);
            if (state.intraOpThreads() > 0 && state.intraOpThreads() != IntraOpThreads.current()) {
                log.printf(
                        Locale.ROOT,
                        "note: %s was written with %d intra-op threads, this process has %d: the resumed run will"
                                + " differ from an uninterrupted one in the last bits (java -D%s=%d for the same)%n",
                        last.get(),
                        state.intraOpThreads(),
                        IntraOpThreads.current(),
                        IntraOpThreads.PROPERTY,
                        state.intraOpThreads());
            }
        }

        int[] lengths = train.lengths();
        String stopReason = null;
        for (int epoch = startEpoch; epoch <= config.epochs() && !stopped; epoch++) {
            Seeds.set((int) (config.seed() * 1009 + epoch));
            List<int[]> batches = batcher.trainBatches(lengths, epoch - 1);
            long started = System.nanoTime();
            double lossSum = 0;
            // the schedule follows the optimizer's steps: a step skipped by fp16 loss scaling does not advance it,
            // as in transformers' Trainer (equal to the global step without skips)
            double lr = schedule.lr(optimizer.stepCount());
            long skippedBefore = scaler.skippedSteps();
            try (ProgressBar bar = progressBar(epoch, train.size())) {
                for (int[] batch : batches) {
                    lr = schedule.lr(optimizer.stepCount());
                    double loss = step(model, manager, train, batch, optimizer, scaler, lr);
                    globalStep++;
                    lossSum += loss;
                    listener.onStep(epoch, globalStep, loss);
                    if (bar != null) {
                        bar.stepBy(batch.length);
                        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f", loss));
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            if (scaler.skippedSteps() > skippedBefore) {
                log.printf(
                        Locale.ROOT,
                        "epoch %d: %d of %d steps skipped for inf/NaN gradients (fp16 loss scale now %.0f)%n",
                        epoch,
                        scaler.skippedSteps() - skippedBefore,
                        batches.size(),
                        scaler.scale());
            }
            ClassificationMetrics metrics = Evaluator.evaluate(
                            model, manager, eval, padder, config.evalBatchSize(), labels)
                    .metrics();
            EpochMetrics em =
                    new EpochMetrics(epoch, lossSum / batches.size(), metrics, lr, seconds, train.size() / seconds);
            history.add(em);
            boolean best = stopping.update(epoch, metrics.macroF1());
            stopped = stopping.shouldStop();
            log.printf(
                    Locale.ROOT,
                    "epoch %d/%d  train loss %.4f  eval loss %.4f  accuracy %.4f  macro-F1 %.4f"
                            + "  weighted-F1 %.4f  %.0f pairs/s%s%n",
                    epoch,
                    config.epochs(),
                    em.trainLoss(),
                    metrics.loss(),
                    metrics.accuracy(),
                    metrics.macroF1(),
                    metrics.weightedF1(),
                    em.pairsPerSecond(),
                    best ? "  (best)" : "");
            Checkpoints.save(
                    run,
                    new CheckpointState(
                            epoch,
                            globalStep,
                            optimizer.stepCount(),
                            stopping.best(),
                            stopping.bestEpoch(),
                            stopping.epochsWithoutImprovement(),
                            stopped,
                            List.copyOf(history),
                            config.toMap(),
                            IntraOpThreads.current()),
                    params,
                    optimizer);
            listener.onEpochEnd(em, best);
        }
        if (stopped) {
            stopReason = String.format(
                    Locale.ROOT,
                    "Stopped early after epoch %d: macro-F1 did not improve for %d" + " epochs.",
                    history.get(history.size() - 1).epoch(),
                    stopping.patience());
            log.println(stopReason);
        }
        int bestEpoch = stopping.bestEpoch();
        Checkpoints.loadWeights(Checkpoints.epochDir(run, bestEpoch), params);
        ClassificationMetrics finalEval = Evaluator.evaluate(
                        model, manager, eval, padder, config.evalBatchSize(), labels)
                .metrics();
        log.printf(
                Locale.ROOT,
                "restored epoch %d: accuracy %.4f  macro-F1 %.4f  weighted-F1 %.4f%n",
                bestEpoch,
                finalEval.accuracy(),
                finalEval.macroF1(),
                finalEval.weightedF1());
        return new Outcome(List.copyOf(history), bestEpoch, stopReason, finalEval);
    }

    private double step(
            TrainableClassifier model,
            NDManager manager,
            EncodedSet train,
            int[] batch,
            AdamW optimizer,
            LossScaler scaler,
            double lr) {
        try (NDManager step = manager.newSubManager()) {
            Batches.Inputs in = Batches.inputs(step, train, batch, padder);
            return TrainingStep.run(
                            model,
                            step,
                            in.inputIds(),
                            in.attentionMask(),
                            in.labels(),
                            optimizer,
                            lr,
                            config.maxGradNorm(),
                            scaler)
                    .loss();
        }
    }

    private ProgressBar progressBar(int epoch, int pairs) {
        if (!progressBar) {
            return null;
        }
        return new ProgressBarBuilder()
                .setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch, config.epochs()))
                .setInitialMax(pairs)
                .setUnit(" pairs", 1)
                .showSpeed()
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500)
                .continuousUpdate()
                .build();
    }

    /** The config as JSON text parsed back, so numbers compare alike whether they came from a file or from Java. */
    private static com.fasterxml.jackson.databind.JsonNode normalised(Map<String, Object> config) {
        try {
            var mapper = io.nlistream.trainer.eval.MetricsJson.mapper();
            return mapper.readTree(mapper.writeValueAsString(config));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
