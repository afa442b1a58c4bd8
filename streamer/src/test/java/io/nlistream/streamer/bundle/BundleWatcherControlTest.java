package io.nlistream.streamer.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlistream.streamer.inference.SessionSettings;
import io.nlistream.streamer.support.TestBundles;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watcher reloads its directory only while it is the one served: a control event's bundle is not overridden. */
class BundleWatcherControlTest {
    @TempDir
    Path tmp;

    @Test
    void aChangeInTheWatchedDirectoryDoesNotOverrideABundleNamedByAControlEvent() {
        Path watched = TestBundles.tiny(tmp.resolve("watched"), "1");
        Path named = TestBundles.tiny(tmp.resolve("named"), "7");
        try (ActiveModel models = new ActiveModel(new BundleLoader(SessionSettings.cpu()));
                BundleWatcher watcher = new BundleWatcher(models, watched, Duration.ofHours(1))) {
            models.load(watched);
            models.reload(named);

            TestBundles.tiny(watched, "2");
            watcher.check();
            assertThat(models.peek().ref().version()).isEqualTo("7");

            models.reload(watched);
            assertThat(models.peek().ref().version()).isEqualTo("2");
            TestBundles.tiny(watched, "3");
            watcher.check();
            assertThat(models.peek().ref().version()).isEqualTo("3");
        }
    }
}
