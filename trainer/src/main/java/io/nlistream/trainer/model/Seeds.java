package io.nlistream.trainer.model;

import ai.djl.engine.Engine;

/** The random state a training run starts from: one seed for every generator the model draws from. */
public final class Seeds {
    private Seeds() {}

    /** Seeds the engine's generator (initialisation, GPU dropout) and the CPU dropout masks' ({@link Dropouts}). */
    public static void set(int seed) {
        Engine.getInstance().setRandomSeed(seed);
        Dropouts.seed(seed);
    }
}
