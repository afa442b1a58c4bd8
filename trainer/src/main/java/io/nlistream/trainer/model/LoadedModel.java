package io.nlistream.trainer.model;

import io.nlistream.trainer.checkpoint.LoadReport;
import io.nlistream.trainer.checkpoint.ModelConfig;
import java.nio.file.Path;

/** A model built from a checkpoint directory, with what loading reported (unused and newly initialised weights). */
public record LoadedModel(Path dir, ModelConfig config, SequenceClassifier model, LoadReport report) {}
