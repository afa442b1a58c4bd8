package io.nlistream.streamer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nlistream.streamer.support.StreamerTestResource;
import io.quarkus.arc.Arc;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The bundle watcher started at boot is the one stopped at shutdown (its thread ends). */
@QuarkusTest
@QuarkusTestResource(value = StreamerTestResource.class, restrictToAnnotatedClass = false)
class BundleWatcherShutdownTest {
    @Test
    void shutdownStopsTheWatcherThreadStartedAtBoot() {
        assertThat(watcherThreadAlive()).as("the watcher runs after boot").isTrue();
        // what Quarkus fires at shutdown; the app is stopped right after this class anyway
        Arc.container().beanManager().getEvent().select(ShutdownEvent.class).fire(new ShutdownEvent());
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(watcherThreadAlive()).isFalse());
        assertThat(Arc.container().instance(StreamerBeans.class).get().watching())
                .isFalse();
    }

    private static boolean watcherThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("nli-bundle-watcher") && t.isAlive());
    }
}
