package io.nlistream.streamer.inference;

import java.util.Locale;

/**
 * How ONNX Runtime sessions are opened.
 *
 * @param intraOpThreads 0 = the provider's default ({@link OrtSessions#threads}: cores ÷ workers on CPU, 1 for a small
 *     model on CPU and on CUDA)
 * @param interOpThreads 0 = 1 (ops run sequentially)
 * @param precision auto, fp32, fp16 or int8: auto takes fp16 on CUDA when the bundle has it, int8 on CPU when the
 *     bundle records its agreement with fp32 at or above {@link OrtSessions#INT8_MIN_AGREEMENT}, else fp32
 * @param workers threads running batches concurrently on the session; 0 = the provider's default ({@link
 *     OrtSessions#threads}: 2, or 1 on a single-core CPU)
 */
public record SessionSettings(
        ExecutionProvider provider, int intraOpThreads, int interOpThreads, String precision, int workers) {
    public SessionSettings {
        precision = precision.trim().toLowerCase(Locale.ROOT);
        if (!precision.matches("auto|fp32|fp16|int8")) {
            throw new IllegalArgumentException(
                    "nli.inference.precision=" + precision + " is not valid; use auto, fp32, fp16 or int8");
        }
        if (intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("thread counts must be >= 0 (0 = the provider's default)");
        }
        if (workers < 0) {
            throw new IllegalArgumentException("nli.inference.workers must be >= 0 (0 = the provider's default), got "
                    + workers + "; set NLI_INFERENCE_WORKERS");
        }
    }

    public static SessionSettings cpu() {
        return cpu(0);
    }

    /** fp32 on CPU with the given workers (0 = the default) and the default threads for them. */
    public static SessionSettings cpu(int workers) {
        return new SessionSettings(ExecutionProvider.CPU, 0, 0, "fp32", workers);
    }
}
