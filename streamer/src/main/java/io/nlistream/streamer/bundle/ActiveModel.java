package io.nlistream.streamer.bundle;

import io.nlistream.streamer.inference.NliModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The model being served, swapped atomically on reload. Batches take a {@link Lease} for their whole run, so a batch
 * that started on the old model finishes on it; the old session closes when its last batch is done. Reload is
 * load-then-swap: a bundle that fails to verify, load or warm up is refused and the current model keeps serving.
 */
public final class ActiveModel implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ActiveModel.class);

    private final BundleLoader loader;
    private final AtomicReference<NliModel> current = new AtomicReference<>();
    private final List<Consumer<NliModel>> swapListeners = new ArrayList<>();
    private final List<Consumer<String>> reloadListeners = new ArrayList<>();

    public ActiveModel(BundleLoader loader) {
        this.loader = loader;
    }

    /** A batch's hold on the model it started with. */
    public record Lease(NliModel model) implements AutoCloseable {
        @Override
        public void close() {
            model.release();
        }
    }

    public Lease lease() {
        while (true) {
            NliModel m = current.get();
            if (m == null) {
                throw new IllegalStateException("no model bundle is loaded yet");
            }
            if (m.tryAcquire()) {
                return new Lease(m);
            }
            // closed between get() and tryAcquire(): a reload swapped in a newer one; take that.
        }
    }

    public boolean isLoaded() {
        return current.get() != null;
    }

    /** The model now served, for status and metrics only; inference must go through {@link #lease()}. */
    public NliModel peek() {
        return current.get();
    }

    public void onSwap(Consumer<NliModel> listener) {
        swapListeners.add(listener);
    }

    /** Told "ok" or "refused" after every {@link #reload}. */
    public void onReload(Consumer<String> listener) {
        reloadListeners.add(listener);
    }

    /**
     * Hot reload: like {@link #load} but a refused bundle is logged and reported instead of thrown, and the current
     * model keeps serving.
     *
     * @return the refusal message, or empty when the new bundle is now served
     */
    public Optional<String> reload(Path dir) {
        try {
            load(dir);
            reloadListeners.forEach(l -> l.accept("ok"));
            return Optional.empty();
        } catch (RuntimeException e) {
            NliModel still = current.get();
            LOG.errorf(
                    "bundle reload from %s refused; still serving %s: %s",
                    dir,
                    still == null
                            ? "nothing"
                            : still.ref().name() + " " + still.ref().version(),
                    e.getMessage());
            reloadListeners.forEach(l -> l.accept("refused"));
            return Optional.of(String.valueOf(e.getMessage()));
        }
    }

    /**
     * Loads, verifies and warms the bundle at {@code dir}, then swaps it in.
     *
     * @throws io.nlistream.schemas.bundle.BundleException when the bundle is refused (the old model keeps serving)
     */
    public synchronized NliModel load(Path dir) {
        NliModel fresh = loader.load(dir);
        install(fresh);
        return fresh;
    }

    /** Swaps in an already loaded model (tests, and {@link #load}). */
    public synchronized void install(NliModel fresh) {
        NliModel old = current.getAndSet(fresh);
        swapListeners.forEach(l -> l.accept(fresh));
        if (old != null) {
            LOG.infof(
                    "now serving %s %s (was %s %s)",
                    fresh.ref().name(),
                    fresh.ref().version(),
                    old.ref().name(),
                    old.ref().version());
            old.retire();
        }
    }

    @Override
    public synchronized void close() {
        NliModel m = current.getAndSet(null);
        if (m != null) {
            m.retire();
        }
    }
}
