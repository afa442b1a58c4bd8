package io.nlistream.trainer.model;

import ai.djl.ndarray.NDManager;
import io.nlistream.schemas.Labels;
import io.nlistream.trainer.checkpoint.ConfigReader;
import io.nlistream.trainer.checkpoint.LoadReport;
import io.nlistream.trainer.checkpoint.Safetensors;
import io.nlistream.trainer.model.lora.PeftAdapter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A checkpoint with, optionally, a PEFT LoRA adapter put on it (unmerged), for {@code evaluate} and {@code predict}
 * without an export first. A base checkpoint (config without id2label) gets the contract's labels, the head
 * nli-trainer trained; weights the base lacks must come from the adapter, never stay random.
 */
public final class AdapterModel {
    private AdapterModel() {}

    /** {@code model}, with the adapter in {@code adapter} on it when that is not null. */
    public static LoadedModel load(Path model, Path adapter, NDManager manager) {
        if (adapter == null) {
            return PretrainedModels.load(model, manager);
        }
        if (!Files.isRegularFile(adapter.resolve(PeftAdapter.CONFIG_FILE))
                || !Files.isRegularFile(adapter.resolve(PeftAdapter.WEIGHTS_FILE))) {
            throw new IllegalArgumentException("--adapter " + adapter + " must hold " + PeftAdapter.CONFIG_FILE
                    + " and " + PeftAdapter.WEIGHTS_FILE + " (a train run's adapter/ directory)");
        }
        boolean baseConfig = ConfigReader.read(model).labels().stream().allMatch(l -> l.startsWith("LABEL_"));
        LoadedModel loaded = baseConfig
                ? PretrainedModels.load(model, manager, Labels.CONTRACT)
                : PretrainedModels.load(model, manager);
        Set<String> saved =
                Safetensors.header(adapter.resolve(PeftAdapter.WEIGHTS_FILE)).keySet();
        List<String> missing = new ArrayList<>();
        for (String name : loaded.report().newlyInitialized()) {
            if (!saved.contains(PeftAdapter.savedKey(name))) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(model + " lacks " + missing + " and the adapter " + adapter
                    + " does not bring them: pass the base checkpoint the adapter was trained on");
        }
        PeftAdapter.load(loaded.model(), adapter, manager);
        LoadReport r = loaded.report();
        return new LoadedModel(
                loaded.dir(),
                loaded.config(),
                loaded.model(),
                new LoadReport(r.source(), r.modelClass(), r.unexpected(), List.of()));
    }
}
