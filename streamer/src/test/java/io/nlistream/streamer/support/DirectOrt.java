package io.nlistream.streamer.support;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.nlistream.tokenizer.EncodedPair;
import io.nlistream.tokenizer.PaddedBatch;
import io.nlistream.tokenizer.PairTokenizer;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Map;

/**
 * The reference the streamer is checked against: the fixture's tokenizer and ONNX model run directly with ONNX
 * Runtime, one pair at a time (no padding), softmax of the logits (label order of the fixture: contract order).
 */
public final class DirectOrt implements AutoCloseable {
    private final PairTokenizer tokenizer;
    private final OrtSession session;

    public DirectOrt() throws Exception {
        tokenizer = PairTokenizer.load(TestBundles.fixture(), 128);
        session = OrtEnvironment.getEnvironment()
                .createSession(TestBundles.fixture().resolve("reference.onnx").toString());
    }

    public double[] probabilities(String premise, String hypothesis) throws Exception {
        EncodedPair e = tokenizer.encode(premise, hypothesis);
        PaddedBatch b = tokenizer.pad(List.of(e));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(b.inputIds()), b.shape());
                OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(b.attentionMask()), b.shape());
                OrtSession.Result r = session.run(Map.of("input_ids", ids, "attention_mask", mask))) {
            float[] logits = ((float[][]) r.get(0).getValue())[0];
            double max = Math.max(logits[0], Math.max(logits[1], logits[2]));
            double[] p = new double[3];
            double sum = 0;
            for (int i = 0; i < 3; i++) {
                p[i] = Math.exp(logits[i] - max);
                sum += p[i];
            }
            for (int i = 0; i < 3; i++) {
                p[i] /= sum;
            }
            return p;
        }
    }

    @Override
    public void close() throws Exception {
        session.close();
        tokenizer.close();
    }
}
