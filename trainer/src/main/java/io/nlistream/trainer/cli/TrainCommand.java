package io.nlistream.trainer.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.nlistream.schemas.Labels;
import io.nlistream.tokenizer.PairTokenizer;
import io.nlistream.trainer.data.EncodedSet;
import io.nlistream.trainer.data.NliDataset;
import io.nlistream.trainer.data.NliReader;
import io.nlistream.trainer.engine.Float32Matmul;
import io.nlistream.trainer.eval.Calibration;
import io.nlistream.trainer.eval.RunMetrics;
import io.nlistream.trainer.eval.RunReport;
import io.nlistream.trainer.model.FrozenBase;
import io.nlistream.trainer.model.LoadedModel;
import io.nlistream.trainer.model.PretrainedModels;
import io.nlistream.trainer.model.Seeds;
import io.nlistream.trainer.model.lora.Lora;
import io.nlistream.trainer.model.lora.LoraConfig;
import io.nlistream.trainer.model.lora.PeftAdapter;
import io.nlistream.trainer.train.EncoderTrainable;
import io.nlistream.trainer.train.Evaluator;
import io.nlistream.trainer.train.TrainConfig;
import io.nlistream.trainer.train.Trainer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code train}: fine-tunes a checkpoint on a labelled file with the seed's recipe and writes a run directory. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Fine-tune a CamemBERTa (DeBERTa-v2) or CamemBERT (RoBERTa) checkpoint for French NLI.",
            "Defaults are the seed's recipe. The run directory gets metrics.json, report.md, report.html (one"
                    + " self-contained page), plots/ and checkpoints/."
        })
public final class TrainCommand implements Callable<Integer> {
    @Option(
            names = "--model",
            required = true,
            paramLabel = "DIR|HUB_ID",
            converter = HubModelConverter.class,
            description =
                    "Checkpoint directory (config.json + model.safetensors or pytorch_model.bin) or a Hugging Face"
                            + " repo id such as almanach/camemberta-base (downloaded into the HF cache).")
    Path model;

    @Option(
            names = "--tokenizer",
            paramLabel = "DIR|HUB_ID",
            converter = HubModelConverter.class,
            description = "Directory (or Hub id) with tokenizer.json (default: --model).")
    Path tokenizer;

    @Option(names = "--train", required = true, paramLabel = "FILE", description = "Labelled training pairs.")
    Path trainFile;

    @Option(
            names = "--eval",
            required = true,
            paramLabel = "FILE",
            description = "Labelled pairs evaluated after every epoch (early stopping and the final report).")
    Path evalFile;

    @Option(
            names = "--output",
            paramLabel = "DIR",
            defaultValue = "runs/run",
            description = "Run directory (default: ${DEFAULT-VALUE}).")
    Path output;

    @Option(
            names = "--name",
            paramLabel = "NAME",
            description = "Run name in reports and comparisons (default: the model directory's name).")
    String name;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "A .properties file of option values, keys are long option names without the dashes"
                    + " (batch-size=16, lr=3e-4, ...); options on the command line win.")
    Path config;

    @Mixin
    DataOptions data;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(
            names = "--batch-size",
            defaultValue = "32",
            description = "Training pairs per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = "--eval-batch-size",
            defaultValue = "64",
            description = "Pairs per evaluation batch (default: ${DEFAULT-VALUE}).")
    int evalBatchSize;

    @Option(
            names = "--max-length",
            defaultValue = "128",
            description = "Max tokens per pair, longest_first truncation (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--lr", defaultValue = "2e-4", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(
            names = "--weight-decay",
            defaultValue = "0.01",
            description =
                    "AdamW weight decay, not applied to biases and LayerNorm weights (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--adam-beta1", defaultValue = "0.9", description = "(default: ${DEFAULT-VALUE})")
    double beta1;

    @Option(names = "--adam-beta2", defaultValue = "0.999", description = "(default: ${DEFAULT-VALUE})")
    double beta2;

    @Option(names = "--adam-eps", defaultValue = "1e-8", description = "(default: ${DEFAULT-VALUE})")
    double eps;

    @Option(
            names = "--warmup-steps",
            defaultValue = "0",
            description = "Linear warmup steps before the linear decay to 0 (default: ${DEFAULT-VALUE}).")
    long warmupSteps;

    @Option(
            names = "--max-grad-norm",
            defaultValue = "1.0",
            description =
                    "Global-norm gradient clipping as transformers' Trainer; 0 = off (default: ${DEFAULT-VALUE}).")
    double maxGradNorm;

    @Option(
            names = "--patience",
            defaultValue = "3",
            description = "Early stopping after this many epochs without a better eval macro-F1; 0 = off (default: "
                    + "${DEFAULT-VALUE}).")
    int patience;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Seed of batching, dropout and new weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--pool-batches",
            defaultValue = "50",
            description = "Batches sorted by length together; 1 = plain shuffling (default: ${DEFAULT-VALUE}).")
    int poolBatches;

    /** Which parameters the optimizer updates. */
    enum Trainable {
        LORA,
        CLASSIFIER,
        ALL
    }

    @Option(
            names = "--trainable",
            defaultValue = "LORA",
            paramLabel = "SET",
            description = "lora: LoRA on --lora-targets plus the classification head (PEFT's SEQ_CLS rule, the seed's);"
                    + " classifier: the head only; all: full fine-tuning (default: ${DEFAULT-VALUE}).")
    Trainable trainableSet;

    @Option(names = "--lora-r", defaultValue = "8", description = "LoRA rank (default: ${DEFAULT-VALUE}).")
    int loraR;

    @Option(
            names = "--lora-alpha",
            defaultValue = "32",
            description = "LoRA alpha; scaling alpha/r (default: ${DEFAULT-VALUE}).")
    double loraAlpha;

    @Option(
            names = "--lora-dropout",
            defaultValue = "0.1",
            description = "Dropout on the LoRA input (default: ${DEFAULT-VALUE}).")
    double loraDropout;

    @Option(
            names = "--lora-targets",
            split = ",",
            paramLabel = "NAME[,NAME...]",
            description = "Linear module names to wrap (default: query_proj,value_proj for DeBERTa-v2, query,value for "
                    + "RoBERTa).")
    List<String> loraTargets;

    @Option(names = "--resume", description = "Continue from the last checkpoint in --output (same settings needed).")
    boolean resume;

    @Option(
            names = "--device",
            defaultValue = "cpu",
            description = "cpu or cuda (GPU flavour only) (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(
            names = "--devices",
            defaultValue = "1",
            description = "Number of devices; only 1 (no data-parallel training yet).")
    int devices;

    @Option(
            names = "--precision",
            paramLabel = "fp32|fp16|bf16",
            description = "Number type of the matrix products. fp16 stores the frozen base in float16 (LoRA, head and"
                    + " optimizer state stay fp32) and adds dynamic loss scaling; bf16 (CPU, AVX-512) keeps every"
                    + " tensor fp32 and has oneDNN round the products to bf16 where the CPU has AMX. Default: fp16 on"
                    + " cuda (the seed's fp16 on a GPU), fp32 on cpu (fp16 runs there, slowly).")
    String precision;

    @Option(
            names = "--calibration",
            paramLabel = "FILE",
            description = "Labelled pairs to fit the temperature of the"
                    + " probabilities on after training (default: the --eval file); `export --report` puts it "
                    + "in the bundle.")
    Path calibrationFile;

    @Option(names = "--no-calibration", negatable = false, description = "Skip the temperature calibration.")
    boolean noCalibration;

    @Option(names = "--no-progress", negatable = false, description = "No progress bar (one line per epoch only).")
    boolean noProgress;

    @Spec
    CommandSpec spec;

    private boolean configApplied;

    @Override
    public Integer call() throws IOException {
        if (config != null && !configApplied) {
            return withConfigFile();
        }
        TrainConfig recipe;
        Device dev;
        Float32Matmul.Choice matmul;
        try {
            dev = DeviceChoice.resolve(device, devices);
            recipe = new TrainConfig(
                    epochs,
                    batchSize,
                    evalBatchSize,
                    lr,
                    weightDecay,
                    beta1,
                    beta2,
                    eps,
                    warmupSteps,
                    maxGradNorm,
                    patience,
                    seed,
                    poolBatches,
                    DeviceChoice.precision(precision, dev, trainableSet == Trainable.ALL, System.err));
            matmul = DeviceChoice.matmul(recipe.precision(), dev);
        } catch (IllegalArgumentException e) {
            System.err.println("train: " + e.getMessage());
            return 2;
        }
        if (!Files.isDirectory(model)) {
            System.err.println("train: model directory not found: " + model);
            return 2;
        }
        if (Files.exists(output.resolve(RunMetrics.FILE)) && !resume) {
            System.err.println(
                    "train: " + output + " already holds a finished run; choose another --output or add --resume");
            return 2;
        }
        try {
            return train(recipe, dev, matmul);
        } catch (IllegalArgumentException e) {
            System.err.println("train: " + e.getMessage());
            return 2;
        }
    }

    private int train(TrainConfig recipe, Device dev, Float32Matmul.Choice matmul) {
        NliDataset train = NliReader.read(trainFile, data.toReadOptions());
        NliDataset eval = NliReader.read(evalFile, data.toReadOptions());
        System.out.printf(
                "train %s: %d pairs%n%s",
                trainFile, train.size(), train.labelDistribution().format());
        System.out.printf(
                "eval %s: %d pairs%n%s",
                evalFile, eval.size(), eval.labelDistribution().format());
        if (!dev.isGpu()) {
            // the allocator sets a CPU run's peak memory (docs/training.md); trainer/bin/nli-trainer picks tcmalloc
            System.out.println("CPU tensors' allocator: " + NativeMemory.allocator());
        }
        String runName = name != null ? name : RunNames.of(model);
        try (NDManager manager = NDManager.newBaseManager(dev);
                PairTokenizer pairs = PairTokenizer.load(tokenizer != null ? tokenizer : model, maxLength);
                Float32Matmul.Applied kernels = Float32Matmul.apply(matmul, manager)) {
            System.out.println("float32 products: " + kernels.description());
            Seeds.set((int) seed);
            LoadedModel loaded = PretrainedModels.load(model, manager, Labels.CONTRACT);
            LoraConfig lora = null;
            if (trainableSet == Trainable.LORA) {
                lora = new LoraConfig(
                        loraR,
                        loraAlpha,
                        loraDropout,
                        loraTargets != null
                                ? loraTargets
                                : LoraConfig.defaultTargets(loaded.config().architecture()),
                        false);
                Lora.apply(loaded.model(), lora, manager);
            }
            EncoderTrainable trainable = new EncoderTrainable(
                    loaded.model(),
                    manager,
                    switch (trainableSet) {
                        case LORA -> Lora.TRAINABLE;
                        case ALL -> n -> true;
                        case CLASSIFIER -> EncoderTrainable.CLASSIFIER_HEAD;
                    });
            if (trainable.trainableParameters().isEmpty()) {
                throw new IllegalArgumentException(model + " has no classifier.* parameters to train");
            }
            // what an adapter saves (trainables, a base checkpoint's new pooler) stays float32
            java.util.Set<String> saved = java.util.Set.copyOf(loaded.report().newlyInitialized());
            FrozenBase.Cast cast = FrozenBase.cast(
                    loaded.model(),
                    n -> trainable.trainableParameters().containsKey(n) || saved.contains(n),
                    recipe.precision());
            if (cast.parameters() > 0) {
                System.out.printf(
                        Locale.ROOT,
                        "precision %s: %d frozen base tensors (%,d weights) cast to %s, %d MiB saved; trainable"
                                + " parameters and optimizer state float32%s%n",
                        recipe.precision().cliName(),
                        cast.parameters(),
                        cast.elements(),
                        recipe.precision().dataType(),
                        cast.bytesSaved() >> 20,
                        recipe.precision().needsLossScaling() ? "; dynamic loss scaling (initial scale 65536)" : "");
            }
            System.out.printf(
                    Locale.ROOT,
                    "%s (%s) on %s: trainable params: %,d || all params: %,d || trainable%%: %.4f%n",
                    model,
                    loaded.config().architecture(),
                    dev,
                    trainable.trainableCount(),
                    trainable.parameterCount(),
                    100.0 * trainable.trainableCount() / trainable.parameterCount());
            EncodedSet trainSet = EncodedSet.encode(train, pairs);
            EncodedSet evalSet = EncodedSet.encode(eval, pairs);
            System.out.printf(
                    "truncated to %d tokens: %d train pairs, %d eval pairs%n",
                    maxLength, trainSet.truncatedCount(), evalSet.truncatedCount());

            Trainer trainer = new Trainer(recipe, Labels.CONTRACT, pairs::pad, System.out, !noProgress, null);
            Trainer.Outcome outcome = trainer.train(trainable, manager, trainSet, evalSet, output, resume);

            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("model", model.toString());
            settings.put("train", trainFile.toString());
            settings.put("eval", evalFile.toString());
            settings.put("max-length", maxLength);
            settings.put("trainable", trainableSet.name().toLowerCase(Locale.ROOT));
            if (lora != null) {
                settings.put("lora-r", lora.r());
                settings.put("lora-alpha", lora.alpha());
                settings.put("lora-dropout", lora.dropout());
                settings.put("lora-targets", String.join(",", lora.targetModules()));
            }
            settings.putAll(recipe.toMap());
            settings.put("device", dev.toString());
            Map<String, long[]> distributions = new LinkedHashMap<>();
            distributions.put("train", train.labelDistribution().counts());
            distributions.put("eval", eval.labelDistribution().counts());
            RunMetrics run = new RunMetrics(
                    runName,
                    model.toString(),
                    settings,
                    distributions,
                    trainable.trainableCount(),
                    trainable.parameterCount(),
                    outcome.epochs(),
                    outcome.bestEpoch(),
                    outcome.stopReason(),
                    outcome.finalEval(),
                    null);
            if (!noCalibration) { // the restored best epoch, on pairs it was not trained on
                Path calFile = calibrationFile != null ? calibrationFile : evalFile;
                EncodedSet calSet = calibrationFile != null
                        ? EncodedSet.encode(NliReader.read(calibrationFile, data.toReadOptions()), pairs)
                        : evalSet;
                Evaluator.Result held = Evaluator.evaluate(
                        trainable, manager, calSet, pairs::pad, recipe.evalBatchSize(), Labels.CONTRACT);
                Calibration.Fit fit = Calibration.fit(
                        held.logits(),
                        calSet.labels(),
                        Labels.CONTRACT.size(),
                        calFile.getFileName().toString());
                System.out.printf(
                        Locale.ROOT,
                        "calibration on %s: T = %.4f%n  before %s%n  after  %s%n",
                        calFile,
                        fit.temperature(),
                        fit.before().format(),
                        fit.after().format());
                run = run.withCalibration(fit);
            }
            Path report = RunReport.write(output, run);
            if (lora != null) { // the trainer restored the best epoch: that is the adapter written
                Path adapter = output.resolve("adapter");
                PeftAdapter.save(
                        loaded.model(),
                        lora,
                        model.toString(),
                        adapter,
                        loaded.report().newlyInitialized());
                copyTokenizer(tokenizer != null ? tokenizer : model, adapter);
                System.out.println("wrote the PEFT adapter of epoch " + outcome.bestEpoch() + " to " + adapter);
            }
            System.out.println("wrote " + report + ", " + output.resolve(RunReport.HTML) + ", "
                    + output.resolve(RunMetrics.FILE) + ", " + output.resolve(RunReport.PLOTS));
            return 0;
        }
    }

    /** Tokenizer files beside the adapter, so {@code export --adapter} and PEFT users find them there. */
    private static void copyTokenizer(Path from, Path to) {
        for (String f :
                List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json")) {
            try {
                if (Files.isRegularFile(from.resolve(f))) {
                    Files.copy(from.resolve(f), to.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot copy " + f + " into " + to, e);
            }
        }
    }

    /** Re-parses the same arguments with the config file as the default-value source: command-line flags win. */
    private int withConfigFile() throws IOException {
        if (!Files.isRegularFile(config)) {
            System.err.println("train: config file not found: " + config);
            return 2;
        }
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(config)) {
            props.load(in);
        }
        for (String key : props.stringPropertyNames()) {
            if (spec.findOption("--" + key) == null || key.equals("config")) {
                System.err.println("train: " + config + ": unknown setting '" + key + "'; keys are long option names"
                        + " without the dashes, e.g. batch-size=16 (see train --help)");
                return 2;
            }
        }
        TrainCommand withDefaults = new TrainCommand();
        withDefaults.configApplied = true;
        CommandLine cl = new CommandLine(withDefaults)
                .setDefaultValueProvider(new CommandLine.PropertiesDefaultProvider(props))
                .setCaseInsensitiveEnumValuesAllowed(true);
        try {
            List<String> args = spec.commandLine().getParseResult().originalArgs();
            // originalArgs() starts at the top-level command: keep what follows this subcommand's name.
            cl.parseArgs(
                    args.subList(args.indexOf(spec.name()) + 1, args.size()).toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            System.err.println("train: " + e.getMessage());
            return 2;
        }
        return withDefaults.call();
    }
}
