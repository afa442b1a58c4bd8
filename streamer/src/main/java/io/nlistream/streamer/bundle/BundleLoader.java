package io.nlistream.streamer.bundle;

import io.nlistream.schemas.bundle.BundleManifest;
import io.nlistream.schemas.bundle.BundleVerifier;
import io.nlistream.streamer.inference.NliModel;
import io.nlistream.streamer.inference.OrtSessions;
import io.nlistream.streamer.inference.SessionSettings;
import io.nlistream.tokenizer.PairTokenizer;
import io.nlistream.tokenizer.Truncation;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * Turns a bundle directory into a warmed {@link NliModel}: verify the manifest and every checksum first (a bundle that
 * does not verify is refused with {@link io.nlistream.schemas.bundle.BundleException}), then open the tokenizer with
 * the manifest's max length, truncation and pad id, open the ONNX Runtime session, and run one warm-up batch.
 */
public final class BundleLoader {
    private static final Logger LOG = Logger.getLogger(BundleLoader.class);

    private final SessionSettings settings;

    public BundleLoader(SessionSettings settings) {
        this.settings = settings;
    }

    public NliModel load(Path dir) {
        long start = System.nanoTime();
        BundleManifest manifest = BundleVerifier.verify(dir);
        PairTokenizer tokenizer = PairTokenizer.load(
                dir.resolve(manifest.tokenizer().file()),
                manifest.maxLength(),
                Truncation.fromId(manifest.truncation()),
                manifest.padId());
        OrtSessions.Opened opened;
        try {
            opened = OrtSessions.open(dir, manifest, settings);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        NliModel model = new NliModel(dir, manifest, tokenizer, opened);
        try {
            model.warmUp();
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        LOG.infof(
                "bundle %s %s loaded from %s: provider=%s precision=%s sha256=%s, verified and warmed in %d ms",
                manifest.name(),
                manifest.version(),
                dir,
                model.provider(),
                model.precision(),
                model.ref().sha256(),
                (System.nanoTime() - start) / 1_000_000);
        return model;
    }

    public SessionSettings settings() {
        return settings;
    }
}
