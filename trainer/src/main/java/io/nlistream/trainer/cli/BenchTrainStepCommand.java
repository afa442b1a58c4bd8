package io.nlistream.trainer.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.cuda.CudaUtils;
import io.nlistream.schemas.Labels;
import io.nlistream.trainer.bench.EncoderFlops;
import io.nlistream.trainer.bench.EngineProfile;
import io.nlistream.trainer.checkpoint.DebertaV2Config;
import io.nlistream.trainer.engine.Float32Matmul;
import io.nlistream.trainer.model.FrozenBase;
import io.nlistream.trainer.model.PretrainedModels;
import io.nlistream.trainer.model.Seeds;
import io.nlistream.trainer.model.SequenceClassifier;
import io.nlistream.trainer.model.lora.Lora;
import io.nlistream.trainer.model.lora.LoraConfig;
import io.nlistream.trainer.train.AdamW;
import io.nlistream.trainer.train.EncoderTrainable;
import io.nlistream.trainer.train.LossScaler;
import io.nlistream.trainer.train.TrainConfig;
import io.nlistream.trainer.train.TrainingStep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench train-step}: the time and memory of one training step of a camemberta-base-shaped model (random
 * weights) on a fixed-length batch, and one XNLI-fr training epoch (5,010 pairs) extrapolated from it.
 */
@Command(
        name = "train-step",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "One training step (forward, backward, clipping, AdamW) of a camemberta-base-shaped DeBERTa-v2"
                + " on a batch of random token ids: ms per step, pairs/s, peak resident memory, and one epoch over"
                + " --epoch-pairs extrapolated.")
public final class BenchTrainStepCommand implements Callable<Integer> {
    @Option(names = "--batch-size", defaultValue = "32", description = "(default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(
            names = "--length",
            defaultValue = "128",
            description = "Tokens per pair, no padding (default: ${DEFAULT-VALUE}).")
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

    @Option(
            names = "--trainable",
            defaultValue = "LORA",
            paramLabel = "SET",
            description = "classifier, lora (the seed's LoRA + head) or all" + " (default: ${DEFAULT-VALUE}).")
    StepKind trainable;

    @Option(
            names = "--epoch-pairs",
            defaultValue = "5010",
            description = "Pairs of the extrapolated epoch (default: ${DEFAULT-VALUE}, XNLI-fr test).")
    int epochPairs;

    @Option(names = "--seed", defaultValue = "42", description = "(default: ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--precision",
            paramLabel = "fp32|fp16|bf16",
            description =
                    "Number type of the products, as train's --precision (default: fp16 on a GPU, fp32 on a CPU).")
    String precision;

    @Option(
            names = "--profile",
            paramLabel = "TRACE",
            description = "Profile the last timed step with the engine's profiler: write its Chrome trace to TRACE"
                    + " and print the forward's and backward's operations by share, and the matrix products by shape"
                    + " with their GFLOP/s (profiling slows the step).")
    Path profile;

    @Override
    public Integer call() throws IOException {
        if (batchSize < 1 || length < 4 || steps < 1 || warmup < 0) {
            System.err.println("bench train-step: --batch-size and --steps must be >= 1, --length >= 4, --warmup >= 0");
            return 2;
        }
        TrainConfig recipe = TrainConfig.seedRecipe();
        Seeds.set((int) seed);
        try (NDManager manager = NDManager.newBaseManager()) {
            Float32Matmul.Choice matmul;
            try {
                recipe = recipe.withPrecision(
                        DeviceChoice.precision(precision, manager.getDevice(), trainable == StepKind.ALL, System.err));
                matmul = DeviceChoice.matmul(recipe.precision(), manager.getDevice());
            } catch (IllegalArgumentException e) {
                System.err.println("bench train-step: " + e.getMessage());
                return 2;
            }
            try (Float32Matmul.Applied kernels = Float32Matmul.apply(matmul, manager)) {
                return run(recipe, manager, kernels);
            }
        }
    }

    private int run(TrainConfig recipe, NDManager manager, Float32Matmul.Applied kernels) throws IOException {
        DebertaV2Config config = DebertaV2Config.camembertaBase(Labels.CONTRACT);
        SequenceClassifier model = PretrainedModels.randomlyInitialized(config, manager);
        if (trainable == StepKind.LORA) {
            Lora.apply(model, LoraConfig.seedRecipe(config.architecture()), manager);
        }
        EncoderTrainable train = new EncoderTrainable(
                model,
                manager,
                switch (trainable) {
                    case CLASSIFIER -> EncoderTrainable.CLASSIFIER_HEAD;
                    case LORA -> Lora.TRAINABLE;
                    case ALL -> n -> true;
                });
        FrozenBase.Cast cast =
                FrozenBase.cast(model, n -> train.trainableParameters().containsKey(n), recipe.precision());
        LossScaler scaler = recipe.newLossScaler();
        AdamW optimizer = new AdamW(recipe.beta1(), recipe.beta2(), recipe.eps(), recipe.weightDecay());
        long rssModel = procStatusKb("VmRSS");
        double gflopsBefore = sgemmGflops(manager);
        Random random = new Random(seed);
        double totalMs = 0;
        double minMs = Double.MAX_VALUE;
        double[] split = new double[3];
        long[] rss = new long[2];
        long[] deviceBytes = {0};
        boolean gpu = manager.getDevice().isGpu();
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
            boolean profiled = profile != null && s == warmup + steps - 1;
            if (profiled) {
                EngineProfile.start();
            }
            try (NDManager step = manager.newSubManager()) {
                Shape shape = new Shape(batchSize, length);
                NDArray idArray = step.create(ids, shape);
                NDArray maskArray = step.create(mask, shape);
                NDArray labelArray = step.create(labels);
                int[] phase = {0};
                TrainingStep.Result r = TrainingStep.timed(
                        train,
                        step,
                        idArray,
                        maskArray,
                        labelArray,
                        optimizer,
                        recipe.learningRate(),
                        recipe.maxGradNorm(),
                        scaler,
                        () -> {
                            rss[phase[0]] = Math.max(rss[phase[0]], procStatusKb("VmRSS"));
                            if (gpu) {
                                deviceBytes[0] = Math.max(
                                        deviceBytes[0],
                                        CudaUtils.getGpuMemory(manager.getDevice())
                                                .getCommitted());
                            }
                            phase[0]++;
                        });
                double ms = (r.forwardNs() + r.backwardNs() + r.optimizerNs()) / 1e6;
                System.out.printf(
                        Locale.ROOT,
                        "%s step %d: %.0f ms (forward %.0f, backward %.0f, optimizer" + " %.0f)%s%n",
                        s < warmup ? "warmup" : "timed",
                        s + 1,
                        ms,
                        r.forwardNs() / 1e6,
                        r.backwardNs() / 1e6,
                        r.optimizerNs() / 1e6,
                        r.skipped() ? " skipped: inf/NaN gradients, loss scale now " + scaler.scale() : "");
                if (s >= warmup) {
                    totalMs += ms;
                    minMs = Math.min(minMs, ms);
                    split[0] += r.forwardNs() / 1e6 / steps;
                    split[1] += r.backwardNs() / 1e6 / steps;
                    split[2] += r.optimizerNs() / 1e6 / steps;
                }
            }
            if (profiled) {
                EngineProfile.stop(profile);
            }
        }
        double msPerStep = totalMs / steps;
        double stepsPerEpoch = Math.ceil(epochPairs / (double) batchSize);
        System.out.printf(
                Locale.ROOT,
                "camemberta-base shape (DeBERTa-v2, %d layers, hidden %d, vocab %d),"
                        + " trainable %s: %,d of %,d parameters%n",
                config.numHiddenLayers(),
                config.hiddenSize(),
                config.vocabSize(),
                trainable.name().toLowerCase(Locale.ROOT),
                train.trainableCount(),
                train.parameterCount());
        System.out.printf(
                Locale.ROOT,
                "precision %s: %d frozen base tensors in %s (%d MiB less than fp32)%n",
                recipe.precision().cliName(),
                cast.parameters(),
                recipe.precision().dataType(),
                cast.bytesSaved() >> 20);
        System.out.printf(
                Locale.ROOT,
                "device %s, %d CPUs, engine %s %s%n",
                manager.getDevice(),
                Runtime.getRuntime().availableProcessors(),
                Engine.getInstance().getEngineName(),
                Engine.getInstance().getVersion());
        System.out.println("float32 products: " + kernels.description());
        System.out.printf(
                Locale.ROOT,
                "batch %d x length %d: %.0f ms/step (min %.0f), %.2f pairs/s%n",
                batchSize,
                length,
                msPerStep,
                minMs,
                batchSize * 1000.0 / msPerStep);
        System.out.printf(
                Locale.ROOT,
                "split: forward %.0f ms, backward %.0f ms, optimizer %.0f ms (mean of the" + " timed steps)%n",
                split[0],
                split[1],
                split[2]);
        double forwardFlop = EncoderFlops.batch(config, batchSize, length);
        double linearFlop = (double) batchSize
                * length
                * config.numHiddenLayers()
                * (8.0 * config.hiddenSize() * config.hiddenSize()
                        + 4.0 * config.hiddenSize() * config.intermediateSize());
        // backward through a frozen base: input gradients of every product (the linears' FLOPs once, attention's
        // products twice: both operands need a gradient); LoRA's weight gradients are negligible
        double backwardFlop = 2 * forwardFlop - linearFlop;
        // measured before and after the steps: on a shared machine the better of the two is the floor's rate
        double gflopsAfter = sgemmGflops(manager);
        double gflops = Math.max(gflopsBefore, gflopsAfter);
        double floorMs = (forwardFlop + backwardFlop) / (gflops * 1e9) * 1000;
        System.out.printf(
                Locale.ROOT,
                "work: forward %.2f TFLOP, backward %.2f TFLOP; sgemm rate %.0f GFLOP/s"
                        + " (libtorch matmul 2048x2048 on %s, this process, best of %.0f before / %.0f after the"
                        + " steps) -> floor %.0f ms, step = %.2fx floor (min %.2fx)%n",
                forwardFlop / 1e12,
                backwardFlop / 1e12,
                gflops,
                kernels.label(),
                gflopsBefore,
                gflopsAfter,
                floorMs,
                msPerStep / floorMs,
                minMs / floorMs);
        System.out.printf(
                Locale.ROOT,
                "resident memory: %d MiB after building the model, %d MiB after forward,"
                        + " %d MiB after backward, peak %d MiB (allocator: %s)%n",
                rssModel / 1024,
                rss[0] / 1024,
                rss[1] / 1024,
                procStatusKb("VmHWM") / 1024,
                NativeMemory.allocator());
        if (gpu) {
            System.out.printf(
                    Locale.ROOT,
                    "device memory in use (cudaMemGetInfo after forward and backward):" + " max %d MiB%n",
                    deviceBytes[0] >> 20);
        }
        if (profile != null) {
            EngineProfile.print(EngineProfile.summarize(profile), 15, System.out);
            EngineProfile.printProducts(EngineProfile.products(profile), 12, System.out);
        }
        System.out.printf(
                Locale.ROOT,
                "one epoch of %d pairs = %.0f steps ~ %.1f min at this length (an upper"
                        + " bound: dynamic padding makes real batches shorter)%n",
                epochPairs,
                stepsPerEpoch,
                stepsPerEpoch * msPerStep / 60_000);
        return 0;
    }

    /**
     * The engine's single-precision matrix-product rate (GFLOP/s) on this machine now: the rate the step's floor is
     * measured against (the step's products run through the same libtorch kernels). Best of 5 after one warm-up.
     */
    static double sgemmGflops(NDManager manager) {
        int n = 2048;
        double best = 0;
        try (NDManager probe = manager.newSubManager()) {
            NDArray a = probe.randomUniform(-1f, 1f, new Shape(n, n));
            NDArray b = probe.randomUniform(-1f, 1f, new Shape(n, n));
            for (int i = 0; i < 6; i++) {
                try (NDManager one = probe.newSubManager()) {
                    long start = System.nanoTime();
                    NDArray c = a.matMul(b);
                    c.attach(one);
                    c.getFloat(0, 0); // waits for the product on a GPU
                    double s = (System.nanoTime() - start) / 1e9;
                    if (i > 0) {
                        best = Math.max(best, 2.0 * n * n * n / s / 1e9);
                    }
                }
            }
        }
        return best;
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
