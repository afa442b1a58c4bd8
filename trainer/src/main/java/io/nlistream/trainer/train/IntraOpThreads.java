package io.nlistream.trainer.train;

import ai.djl.pytorch.jni.JniUtils;

/**
 * libtorch's intra-op thread count in this process: CPU kernels split their reductions (sums, matmuls) by it, so two
 * runs with different counts differ in the last bits (IntraOpThreadsTest). Set with
 * {@code -Dai.djl.pytorch.num_threads=N}; the default is one per core.
 */
final class IntraOpThreads {
    static final String PROPERTY = "ai.djl.pytorch.num_threads";

    private IntraOpThreads() {}

    static int current() {
        return JniUtils.getNumThreads();
    }
}
