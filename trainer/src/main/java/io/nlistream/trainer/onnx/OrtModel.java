package io.nlistream.trainer.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;

/** An exported model in an ONNX Runtime CPU session: the exporter's self-check and the benchmark use it. */
public final class OrtModel implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    /** Output of one batch, [batch][labels]. */
    public record Output(float[][] logits, float[][] probabilities) {}

    private OrtModel(OrtSession session) {
        this.session = session;
    }

    /** A session on the serialized model; {@code threads} ≤ 0 lets ONNX Runtime choose. */
    public static OrtModel load(byte[] model, int threads) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = options(threads)) {
            return new OrtModel(env.createSession(model, options));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load the exported model: " + e.getMessage(), e);
        }
    }

    /** A session on a model file (large models: ONNX Runtime reads the file itself). */
    public static OrtModel load(java.nio.file.Path file, int threads) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = options(threads)) {
            return new OrtModel(env.createSession(file.toString(), options));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load " + file + ": " + e.getMessage(), e);
        }
    }

    private static OrtSession.SessionOptions options(int threads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        // ORT warns that fp16 MatMuls of constants cannot be folded on CPU; it runs them at inference instead.
        options.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        if (threads > 0) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
        }
        return options;
    }

    /** Runs one batch given row-major [batch, length] token ids and attention mask. */
    public Output run(long[] ids, long[] mask, int batch, int length) {
        long[] shape = {batch, length};
        try (OnnxTensor idsT = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
                OnnxTensor maskT = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
                OrtSession.Result r = session.run(
                        Map.of(ArchitectureExporter.INPUT_IDS, idsT, ArchitectureExporter.ATTENTION_MASK, maskT))) {
            return new Output(
                    rows((OnnxTensor) r.get(ArchitectureExporter.LOGITS).orElseThrow(), batch),
                    rows((OnnxTensor) r.get(ArchitectureExporter.PROBABILITIES).orElseThrow(), batch));
        } catch (OrtException e) {
            throw new IllegalStateException(
                    "ONNX Runtime failed on a [" + batch + ", " + length + "] batch: " + e.getMessage(), e);
        }
    }

    private static float[][] rows(OnnxTensor t, int batch) {
        FloatBuffer b = t.getFloatBuffer();
        int width = b.remaining() / batch;
        float[][] out = new float[batch][width];
        for (float[] row : out) {
            b.get(row);
        }
        return out;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
