package io.nlistream.streamer.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.nlistream.schemas.Labels;
import io.nlistream.schemas.bundle.BundleManifest;
import io.nlistream.schemas.event.ModelRef;
import io.nlistream.tokenizer.EncodedPair;
import io.nlistream.tokenizer.PaddedBatch;
import io.nlistream.tokenizer.PairTokenizer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One loaded bundle: its tokenizer and ONNX Runtime session. Thread-safe (ORT sessions and the Rust tokenizer are).
 * Probabilities come back in the contract's label order whatever the bundle's output order. A bundle whose model has
 * no {@code probabilities} output (e.g. a plain torch export) gets the softmax of {@code logits}.
 *
 * <p>Hot reload retires a model while batches may still run on it: {@link #tryAcquire()}/{@link #release()} count
 * them, and the session closes when the last one is done.
 */
public final class NliModel implements AutoCloseable {
    public static final String PROBABILITIES = "probabilities";
    public static final String LOGITS = "logits";

    private final Path dir;
    private final BundleManifest manifest;
    private final ModelRef ref;
    private final PairTokenizer tokenizer;
    private final OrtSession session;
    private final String provider;
    private final String precision;
    private final int[] contractIndexOfOutput;
    private final String output;
    private final Set<String> inputs;
    private int leases;
    private boolean retired;
    private boolean closed;

    public NliModel(Path dir, BundleManifest manifest, PairTokenizer tokenizer, OrtSessions.Opened opened) {
        this.dir = dir;
        this.manifest = manifest;
        this.tokenizer = tokenizer;
        this.session = opened.session();
        this.provider = opened.provider();
        this.precision = opened.variant().precision();
        String fp32 = manifest.variant("fp32").orElseThrow().file();
        // a calibrated bundle's probabilities output already applies its temperature; events name it
        this.ref = new ModelRef(
                manifest.name(), manifest.version(), manifest.files().get(fp32), ModelRef.Calibration.of(manifest));
        this.contractIndexOfOutput =
                manifest.labels().stream().mapToInt(Labels::index).toArray();
        Set<String> outputs = session.getOutputNames();
        if (outputs.contains(PROBABILITIES)) {
            this.output = PROBABILITIES;
        } else if (outputs.contains(LOGITS)) {
            this.output = LOGITS;
        } else {
            throw new IllegalArgumentException("the model of bundle " + dir + " has outputs " + outputs
                    + "; it needs 'probabilities' or 'logits' (re-export it with `nli-trainer export`)");
        }
        this.inputs = session.getInputNames();
        if (!inputs.contains("input_ids")) {
            throw new IllegalArgumentException(
                    "the model of bundle " + dir + " has inputs " + inputs + " but no input_ids");
        }
    }

    public EncodedPair encode(String premise, String hypothesis) {
        return tokenizer.encode(premise, hypothesis);
    }

    public List<EncodedPair> encodeAll(List<String> premises, List<String> hypotheses) {
        return tokenizer.encodeAll(premises, hypotheses);
    }

    /** Probabilities per pair, contract label order, in the order of {@code pairs}; one ORT run, dynamic padding. */
    public double[][] predict(List<EncodedPair> pairs) {
        PaddedBatch batch = tokenizer.pad(pairs);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            feed.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(batch.inputIds()), batch.shape()));
            if (inputs.contains("attention_mask")) {
                feed.put(
                        "attention_mask",
                        OnnxTensor.createTensor(env, LongBuffer.wrap(batch.attentionMask()), batch.shape()));
            }
            if (inputs.contains("token_type_ids")) {
                feed.put(
                        "token_type_ids",
                        OnnxTensor.createTensor(env, LongBuffer.wrap(batch.typeIds()), batch.shape()));
            }
            try (OrtSession.Result result = session.run(feed, Set.of(output))) {
                float[][] raw = (float[][]) result.get(0).getValue();
                double[][] out = new double[raw.length][];
                for (int i = 0; i < raw.length; i++) {
                    out[i] = toContractOrder(output.equals(LOGITS) ? softmax(raw[i]) : toDouble(raw[i]));
                }
                return out;
            }
        } catch (OrtException e) {
            throw new IllegalStateException(
                    "ONNX Runtime failed on a batch of " + pairs.size() + " pairs of up to " + batch.sequenceLength()
                            + " tokens: " + e.getMessage(),
                    e);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    /** One full-length batch so ORT allocates and optimises before the model is declared ready. */
    public void warmUp() {
        String longText = "Le chat dort sur le canapé du salon. ".repeat(64);
        List<EncodedPair> pairs =
                tokenizer.encodeAll(List.of(longText, "Il pleut."), List.of("Un animal se repose.", longText));
        predict(pairs);
    }

    private double[] toContractOrder(double[] byOutput) {
        double[] out = new double[byOutput.length];
        for (int j = 0; j < byOutput.length; j++) {
            out[contractIndexOfOutput[j]] = byOutput[j];
        }
        return out;
    }

    static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] out = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            out[i] = Math.exp(logits[i] - max);
            sum += out[i];
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    private static double[] toDouble(float[] p) {
        double[] out = new double[p.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            out[i] = p[i];
            sum += p[i];
        }
        // float32 probabilities can miss 1 by ~1e-7 per label; the contract wants the sum within 1e-6.
        for (int i = 0; i < p.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    /** Counts a batch in; false when the model was already closed (the caller takes the newer one). */
    public synchronized boolean tryAcquire() {
        if (closed) {
            return false;
        }
        leases++;
        return true;
    }

    public synchronized void release() {
        leases--;
        if (retired && leases == 0) {
            close();
        }
    }

    /** Stops serving: closes now if idle, otherwise when the last running batch releases it. */
    public synchronized void retire() {
        retired = true;
        if (leases == 0) {
            close();
        }
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("cannot close the ONNX Runtime session of " + dir, e);
        } finally {
            tokenizer.close();
        }
    }

    public Path dir() {
        return dir;
    }

    public BundleManifest manifest() {
        return manifest;
    }

    public ModelRef ref() {
        return ref;
    }

    public String provider() {
        return provider;
    }

    public String precision() {
        return precision;
    }

    public int maxLength() {
        return tokenizer.maxLength();
    }
}
