package io.nlistream.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * {@code torch.optim.AdamW} (decoupled weight decay, bias-corrected moments, eps added after the square root) with
 * transformers' parameter grouping: no weight decay on biases and normalisation weights. DJL's own AdamW decays every
 * parameter and places epsilon differently, so the Python recipe would not be reproduced with it.
 *
 * <p>Per parameter and step t, with gradient g: {@code p *= 1 - lr*wd} (decayed group only); {@code m = lerp(m, g,
 * 1-beta1)}; {@code v = beta2*v + (1-beta2)*g*g}; {@code p -= lr/(1-beta1^t) * m / (sqrt(v)/sqrt(1-beta2^t) + eps)}.
 */
public final class AdamW {
    private static final Pattern NORM = Pattern.compile("(?:^|\\.)norm(?:$|\\.)|_norm(?:$|\\.)");

    /** transformers' rule (get_decay_parameter_names): bias and LayerNorm/RMSNorm parameters are not decayed. */
    public static final Predicate<String> NO_DECAY = name -> {
        String n = name.toLowerCase(Locale.ROOT);
        return n.contains("bias")
                || n.contains("layernorm")
                || n.contains("rmsnorm")
                || NORM.matcher(n).find();
    };

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Predicate<String> noDecay;
    private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
    private long step;

    public AdamW(double beta1, double beta2, double eps, double weightDecay) {
        this(beta1, beta2, eps, weightDecay, NO_DECAY);
    }

    public AdamW(double beta1, double beta2, double eps, double weightDecay, Predicate<String> noDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.noDecay = noDecay;
    }

    /** One update of every parameter with its gradient, in place, at learning rate {@code lr}. */
    public void step(Map<String, NDArray> parameters, Map<String, NDArray> gradients, double lr) {
        step++;
        double biasCorrection1 = 1 - Math.pow(beta1, step);
        double biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        double stepSize = lr / biasCorrection1;
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            String name = e.getKey();
            NDArray p = e.getValue();
            NDArray g = gradients.get(name);
            if (g == null) {
                throw new IllegalArgumentException("no gradient for parameter " + name);
            }
            NDManager owner = p.getManager();
            NDArray m = expAvg.computeIfAbsent(name, k -> named(owner.zeros(p.getShape(), p.getDataType()), k));
            NDArray v = expAvgSq.computeIfAbsent(name, k -> named(owner.zeros(p.getShape(), p.getDataType()), k));
            if (weightDecay != 0 && !noDecay.test(name)) {
                p.muli(1 - lr * weightDecay);
            }
            try (NDArray delta = g.sub(m)) {
                m.addi(delta.muli(1 - beta1));
            }
            try (NDArray g2 = g.mul(g)) {
                v.muli(beta2).addi(g2.muli(1 - beta2));
            }
            try (NDArray denom = v.sqrt()) {
                denom.divi(biasCorrection2Sqrt).addi(eps);
                try (NDArray update = m.div(denom)) {
                    p.subi(update.muli(stepSize));
                }
            }
        }
    }

    public long stepCount() {
        return step;
    }

    public boolean decays(String name) {
        return weightDecay != 0 && !noDecay.test(name);
    }

    /** The moments as named arrays ({@code exp_avg/<name>}, {@code exp_avg_sq/<name>}) for a checkpoint. */
    public NDList state() {
        NDList out = new NDList();
        expAvg.forEach((k, a) -> out.add(withName(a, "exp_avg/" + k)));
        expAvgSq.forEach((k, a) -> out.add(withName(a, "exp_avg_sq/" + k)));
        return out;
    }

    /** Restores moments written by {@link #state()} and the step count; arrays are copied onto {@code manager}. */
    public void load(NDList state, long stepCount, NDManager manager) {
        expAvg.clear();
        expAvgSq.clear();
        for (NDArray a : state) {
            String name = a.getName();
            NDArray copy = named(a.toDevice(manager.getDevice(), true), name);
            copy.attach(manager);
            if (name.startsWith("exp_avg_sq/")) {
                expAvgSq.put(name.substring("exp_avg_sq/".length()), copy);
            } else if (name.startsWith("exp_avg/")) {
                expAvg.put(name.substring("exp_avg/".length()), copy);
            } else {
                throw new IllegalArgumentException("unexpected optimizer state entry " + name);
            }
        }
        this.step = stepCount;
    }

    private static NDArray named(NDArray a, String name) {
        a.setName(name);
        return a;
    }

    private static NDArray withName(NDArray a, String name) {
        NDArray view = a.duplicate();
        view.setName(name);
        return view;
    }
}
