package io.nlistream.trainer.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.nlistream.schemas.Labels;
import io.nlistream.trainer.checkpoint.DebertaV2Config;
import io.nlistream.trainer.model.PretrainedModels;
import io.nlistream.trainer.model.SequenceClassifier;
import io.nlistream.trainer.train.AdamW;
import io.nlistream.trainer.model.lora.Lora;
import io.nlistream.trainer.model.lora.LoraConfig;
import io.nlistream.trainer.train.EncoderTrainable;
import io.nlistream.trainer.train.TrainConfig;
import io.nlistream.trainer.train.TrainingStep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * {@code bench train-step}: the time and memory of one training step of a camemberta-base-shaped model (random
 * weights) on a fixed-length batch, and one XNLI-fr training epoch (5,010 pairs) extrapolated from it.
 */
@Command(name = "train-step", mixinStandardHelpOptions = true, sortOptions = false,
        description = "One training step (forward, backward, clipping, AdamW) of a camemberta-base-shaped DeBERTa-v2"
                + " on a batch of random token ids: ms per step, pairs/s, peak resident memory, and one epoch over"
                + " --epoch-pairs extrapolated.")
public final class BenchTrainStepCommand implements Callable<Integer> {
    @Option(names = "--batch-size", defaultValue = "32", description = "(default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--length", defaultValue = "128", description = "Tokens per pair, no padding (default: ${DEFAULT-VALUE}).")
    int length;

    @Option(names = "--steps", defaultValue = "3", description = "Timed steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
    int warmup;

    /** What the step updates, from the cheapest backward pass to the dearest. */
    enum StepKind {
        /** the classification head: backward stops at the head */
        CLASSIFIER,
        /** the seed's LoRA (r 8, alpha 32, dropout 0.1 on query_proj/value_proj) plus the head */
        LORA,
        /** full fine-tuning */
        ALL
    }

    @Option(names = "--trainable", defaultValue = "LORA", paramLabel = "SET",
            description = "classifier, lora (the seed's LoRA + head) or all"
                    + " (default: ${DEFAULT-VALUE}).")
    StepKind trainable;

    @Option(names = "--epoch-pairs", defaultValue = "5010", description = "Pairs of the extrapolated epoch (default: ${DEFAULT-VALUE}, XNLI-fr test).")
    int epochPairs;

    @Option(names = "--seed", defaultValue = "42", description = "(default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws IOException {
        if (batchSize < 1 || length < 4 || steps < 1 || warmup < 0) {
            System.err.println("bench train-step: --batch-size and --steps must be >= 1, --length >= 4, --warmup >= 0");
            return 2;
        }
        TrainConfig recipe = TrainConfig.seedRecipe();
        Engine.getInstance().setRandomSeed((int) seed);
        try (NDManager manager = NDManager.newBaseManager()) {
            DebertaV2Config config = DebertaV2Config.camembertaBase(Labels.CONTRACT);
            SequenceClassifier model = PretrainedModels.randomlyInitialized(config, manager);
            if (trainable == StepKind.LORA) {
                Lora.apply(model, LoraConfig.seedRecipe(config.architecture()), manager);
            }
            EncoderTrainable train = new EncoderTrainable(model, manager, switch (trainable) {
                case CLASSIFIER -> EncoderTrainable.CLASSIFIER_HEAD;
                case LORA -> Lora.TRAINABLE;
                case ALL -> n -> true;
            });
            AdamW optimizer = new AdamW(recipe.beta1(), recipe.beta2(), recipe.eps(), recipe.weightDecay());
            long rssModel = procStatusKb("VmRSS");
            Random random = new Random(seed);
            double totalMs = 0;
            double minMs = Double.MAX_VALUE;
            for (int s = 0; s < warmup + steps; s++) {
                long[] ids = new long[batchSize * length];
                long[] labels = new long[batchSize];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = 5 + random.nextInt(31_990);
                }
                for (int i = 0; i < batchSize; i++) {
                    labels[i] = random.nextInt(3);
                }
                long[] mask = new long[ids.length];
                java.util.Arrays.fill(mask, 1L);
                try (NDManager step = manager.newSubManager()) {
                    Shape shape = new Shape(batchSize, length);
                    NDArray idArray = step.create(ids, shape);
                    NDArray maskArray = step.create(mask, shape);
                    NDArray labelArray = step.create(labels);
                    long start = System.nanoTime();
                    TrainingStep.run(train, step, idArray, maskArray, labelArray, optimizer, recipe.learningRate(),
                            recipe.maxGradNorm());
                    double ms = (System.nanoTime() - start) / 1e6;
                    System.out.printf(Locale.ROOT, "%s step %d: %.0f ms%n", s < warmup ? "warmup" : "timed",
                            s + 1, ms);
                    if (s >= warmup) {
                        totalMs += ms;
                        minMs = Math.min(minMs, ms);
                    }
                }
            }
            double msPerStep = totalMs / steps;
            double stepsPerEpoch = Math.ceil(epochPairs / (double) batchSize);
            System.out.printf(Locale.ROOT, "camemberta-base shape (DeBERTa-v2, %d layers, hidden %d, vocab %d),"
                    + " trainable %s: %,d of %,d parameters%n", config.numHiddenLayers(), config.hiddenSize(),
                    config.vocabSize(), trainable.name().toLowerCase(Locale.ROOT), train.trainableCount(),
                    train.parameterCount());
            System.out.printf(Locale.ROOT, "device %s, %d CPUs, engine %s %s%n", manager.getDevice(),
                    Runtime.getRuntime().availableProcessors(), Engine.getInstance().getEngineName(),
                    Engine.getInstance().getVersion());
            System.out.printf(Locale.ROOT, "batch %d x length %d: %.0f ms/step (min %.0f), %.2f pairs/s%n", batchSize,
                    length, msPerStep, minMs, batchSize * 1000.0 / msPerStep);
            System.out.printf(Locale.ROOT, "resident memory: %d MiB after building the model, peak %d MiB%n",
                    rssModel / 1024, procStatusKb("VmHWM") / 1024);
            System.out.printf(Locale.ROOT, "one epoch of %d pairs = %.0f steps ~ %.1f min at this length (an upper"
                    + " bound: dynamic padding makes real batches shorter)%n", epochPairs, stepsPerEpoch,
                    stepsPerEpoch * msPerStep / 60_000);
            return 0;
        }
    }

    /** A field of /proc/self/status in kB (Linux), -1 elsewhere. */
    private static long procStatusKb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
