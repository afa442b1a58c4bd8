package io.nlistream.trainer.checkpoint;

import java.util.List;

/**
 * What loading a checkpoint into a model did, in transformers' terms: {@code unexpected} checkpoint weights the model
 * has no place for (e.g. a base checkpoint's MLM head), {@code newlyInitialized} model weights the checkpoint lacked
 * (e.g. the classification head of a base checkpoint), which were initialised randomly.
 */
public record LoadReport(String source, String modelClass, List<String> unexpected, List<String> newlyInitialized) {

    public boolean clean() {
        return unexpected.isEmpty() && newlyInitialized.isEmpty();
    }

    /** The warnings transformers' {@code from_pretrained} logs, or an empty list when every weight matched. */
    public List<String> messages() {
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        if (!unexpected.isEmpty()) {
            out.add("Some weights of the model checkpoint at " + source + " were not used when initializing "
                    + modelClass + ": " + unexpected);
        }
        if (!newlyInitialized.isEmpty()) {
            out.add("Some weights of " + modelClass + " were not initialized from the model checkpoint at " + source
                    + " and are newly initialized: " + newlyInitialized
                    + "\nYou should probably TRAIN this model on a down-stream task to be able to use it for "
                    + "predictions"
                    + " and inference.");
        }
        return out;
    }
}
