package io.nlistream.streamer.bundle;

import io.nlistream.schemas.bundle.BundleManifest;
import io.nlistream.schemas.bundle.Sha256;
import io.nlistream.streamer.inference.NliModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Reloads the bundle when its manifest changes. It polls the manifest's sha256 instead of using inotify because
 * Kubernetes volumes (ConfigMap, CSI, rsync'd PVCs) swap directories through symlinks, which inotify misses. Writers
 * must write {@code nli-bundle.json} last; a half-copied bundle fails its checksums, is refused, and is retried at the
 * next manifest change or control event. While a control event has another directory served, a change here is
 * not applied: the control topic's desired state wins (see {@link ModelControl}); publish a reload without a path
 * to come back to this directory.
 */
public final class BundleWatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BundleWatcher.class);

    private final ActiveModel active;
    private final Path dir;
    private final ScheduledExecutorService executor;
    private String seen;

    public BundleWatcher(ActiveModel active, Path dir, Duration interval) {
        this.active = active;
        this.dir = dir;
        this.seen = manifestSha();
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nli-bundle-watcher");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void check() {
        String now = manifestSha();
        if (now == null || now.equals(seen)) {
            return;
        }
        seen = now;
        NliModel served = active.peek();
        if (served != null && !ModelControl.same(served.dir(), dir)) {
            LOG.infof("the manifest in %s changed; not reloading it: a control event has %s served", dir, served.dir());
            return;
        }
        LOG.infof("the manifest in %s changed; reloading the bundle", dir);
        active.reload(dir);
    }

    private String manifestSha() {
        Path manifest = dir.resolve(BundleManifest.FILE_NAME);
        try {
            return Files.isRegularFile(manifest) ? Sha256.ofFile(manifest) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    public boolean running() {
        return !executor.isShutdown();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
