package io.nlistream.streamer.support;

import io.nlistream.streamer.bundle.ActiveModel;
import io.nlistream.streamer.bundle.BundleLoader;
import io.nlistream.streamer.inference.SessionSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The tiny test bundle served on CPU for one test class: {@code @RegisterExtension static final TinyModel MODEL = new
 * TinyModel();}, then {@code MODEL.models()}. Loaded before the class's tests, closed after them.
 */
public final class TinyModel implements BeforeAllCallback, AfterAllCallback {
    private ActiveModel models;
    private Path dir;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("nli-tiny-model");
        models = new ActiveModel(new BundleLoader(SessionSettings.cpu()));
        models.load(TestBundles.tiny(dir.resolve("bundle"), "1"));
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        models.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }

    public ActiveModel models() {
        return models;
    }
}
