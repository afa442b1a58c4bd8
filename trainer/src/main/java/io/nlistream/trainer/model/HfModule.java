package io.nlistream.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A DJL block laid out like a PyTorch {@code nn.Module}: children and parameters carry the exact names of the
 * Hugging Face module tree, so {@link #namedParameters()} yields checkpoint names ({@code
 * deberta.encoder.layer.0.attention.self.query_proj.weight}) and {@link #replaceModule} swaps any submodule by its
 * dotted path, as PEFT does when it wraps target linears with LoRA. Parents call replaceable children by name at each
 * forward, so a replacement takes effect without rebuilding the model.
 *
 * <p>Parameters are created empty and frozen; {@link PretrainedModels} fills them from a checkpoint or initialises
 * them, and a trainer unfreezes what it trains ({@code Parameter.freeze(false)} attaches gradients).
 */
public abstract class HfModule extends AbstractBlock {
    /** How a parameter is initialised when a checkpoint lacks it: transformers' {@code _init_weights}. */
    public enum Init {
        NORMAL,
        ZEROS,
        ONES
    }

    /** A parameter's expected shape and its initialisation. */
    public record ParamSpec(Shape shape, Init init) {}

    private final Map<String, ParamSpec> specs = new LinkedHashMap<>();

    protected final Parameter param(String name, Shape shape, Init init) {
        Parameter p = addParameter(Parameter.builder()
                .setName(name)
                .setType(init == Init.NORMAL ? Parameter.Type.WEIGHT : Parameter.Type.OTHER)
                .optRequiresGrad(false)
                .build());
        specs.put(name, new ParamSpec(shape, init));
        return p;
    }

    protected final <B extends Block> B module(String name, B block) {
        children.add(name, block);
        return block;
    }

    /** The direct child called {@code name} (as currently installed, e.g. a LoRA wrapper). */
    public final Block child(String name) {
        Block b = children.get(name);
        if (b == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no submodule '" + name + "'");
        }
        return b;
    }

    /** Runs the child called {@code name} on one tensor: how parents call replaceable submodules (linears). */
    protected final NDArray call(String name, ParameterStore ps, NDArray x, boolean training) {
        return child(name).forward(ps, new NDList(x), training).singletonOrThrow();
    }

    /** The value of a direct parameter for this forward pass. */
    protected static NDArray value(ParameterStore ps, Parameter p, NDArray like, boolean training) {
        return ps.getValue(p, like.getDevice(), training);
    }

    /** The submodule at a dotted path relative to this module ({@code encoder.layer.0.attention.self.query_proj}). */
    public final Block module(String path) {
        Block current = this;
        for (String part : path.split("\\.")) {
            if (!(current instanceof HfModule m)) {
                throw new IllegalArgumentException("no submodule " + path + ": " + part + " is inside a non-HF block");
            }
            current = m.child(part);
        }
        return current;
    }

    /** Replaces the submodule at a dotted path and returns the one it replaced. */
    public final Block replaceModule(String path, Block replacement) {
        int dot = path.lastIndexOf('.');
        Block parent = dot < 0 ? this : module(path.substring(0, dot));
        if (!(parent instanceof HfModule p)) {
            throw new IllegalArgumentException("cannot replace " + path + ": its parent is not an HF module");
        }
        String name = path.substring(dot + 1);
        int index = p.children.indexOf(name);
        if (index < 0) {
            throw new IllegalArgumentException(p.getClass().getSimpleName() + " has no submodule '" + name + "'");
        }
        Block old = p.children.remove(index);
        p.children.add(index, name, replacement);
        return old;
    }

    /** Every submodule by dotted path, depth first in declaration order (PyTorch's {@code named_modules}). */
    public final Map<String, Block> namedModules() {
        Map<String, Block> out = new LinkedHashMap<>();
        collectModules("", this, out);
        return out;
    }

    private static void collectModules(String prefix, Block block, Map<String, Block> out) {
        for (Pair<String, Block> c : block.getChildren()) {
            String path = prefix + c.getKey();
            out.put(path, c.getValue());
            collectModules(path + ".", c.getValue(), out);
        }
    }

    /** Every parameter by its Hugging Face name (PyTorch's {@code named_parameters}). */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collectParameters("", this, out);
        return out;
    }

    private static void collectParameters(String prefix, Block block, Map<String, Parameter> out) {
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            out.put(prefix + p.getKey(), p.getValue());
        }
        for (Pair<String, Block> c : block.getChildren()) {
            collectParameters(prefix + c.getKey() + ".", c.getValue(), out);
        }
    }

    /** Shapes and initialisation of every parameter by HF name, for loading and initialisation. */
    public final Map<String, ParamSpec> parameterSpecs() {
        Map<String, ParamSpec> out = new LinkedHashMap<>();
        collectSpecs("", this, out);
        return out;
    }

    private static void collectSpecs(String prefix, Block block, Map<String, ParamSpec> out) {
        if (block instanceof HfModule m) {
            m.specs.forEach((k, v) -> out.put(prefix + k, v));
        } else {
            for (Pair<String, Parameter> p : block.getDirectParameters()) {
                out.put(prefix + p.getKey(), new ParamSpec(p.getValue().getShape(), Init.NORMAL));
            }
        }
        for (Pair<String, Block> c : block.getChildren()) {
            collectSpecs(prefix + c.getKey() + ".", c.getValue(), out);
        }
    }

    /** Initialised when every parameter holds an array; DJL's shape-inference initialisation is not used. */
    @Override
    public boolean isInitialized() {
        for (Parameter p : parameters.values()) {
            if (!p.isInitialized()) {
                return false;
            }
        }
        for (Block c : children.values()) {
            if (!c.isInitialized()) {
                return false;
            }
        }
        return true;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        throw new IllegalStateException(getClass().getSimpleName() + " has parameters without values: create models"
                + " with PretrainedModels.load(...) or PretrainedModels.randomlyInitialized(...)");
    }
}
