package io.nlistream.streamer.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nlistream.schemas.bundle.BundleException;
import io.nlistream.streamer.inference.NliModel;
import io.nlistream.streamer.inference.SessionSettings;
import io.nlistream.streamer.support.TestBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Atomic swap: running batches finish on the old model; a bundle that does not verify never replaces the served one.
 */
class ActiveModelTest {
    @TempDir
    Path tmp;

    @Test
    void aBatchStartedBeforeTheSwapFinishesOnTheOldModelWhichThenCloses() {
        try (ActiveModel active = new ActiveModel(new BundleLoader(SessionSettings.cpu()))) {
            NliModel v1 = active.load(TestBundles.tiny(tmp.resolve("v1"), "1"));
            ActiveModel.Lease inFlight = active.lease();

            assertThat(active.reload(TestBundles.tiny(tmp.resolve("v2"), "2"))).isEmpty();
            assertThat(active.peek().ref().version()).isEqualTo("2");
            assertThat(v1.isClosed()).as("still running a batch").isFalse();
            var pair = inFlight.model().encode("Il pleut.", "Le sol est mouillé.");
            assertThat(inFlight.model().predict(List.of(pair))[0]).hasSize(3);

            inFlight.close();
            assertThat(v1.isClosed())
                    .as("closed once its last batch released it")
                    .isTrue();
            try (ActiveModel.Lease next = active.lease()) {
                assertThat(next.model().ref().version()).isEqualTo("2");
            }
        }
    }

    @Test
    void aBundleThatFailsVerificationIsRefusedAndTheOldOneKeepsServing() throws Exception {
        try (ActiveModel active = new ActiveModel(new BundleLoader(SessionSettings.cpu()))) {
            active.load(TestBundles.tiny(tmp.resolve("good"), "1"));
            Path bad = TestBundles.tiny(tmp.resolve("bad"), "2");
            Files.write(bad.resolve("model.onnx"), new byte[] {1, 2, 3}, StandardOpenOption.APPEND);

            assertThat(active.reload(bad)).hasValueSatisfying(m -> assertThat(m).contains("model.onnx has sha256"));
            assertThat(active.peek().ref().version()).isEqualTo("1");
            assertThat(active.peek().isClosed()).isFalse();
            assertThatThrownBy(() -> active.load(tmp.resolve("missing")))
                    .isInstanceOf(BundleException.class)
                    .hasMessageContaining("does not exist");
            assertThat(active.peek().ref().version()).isEqualTo("1");
        }
    }
}
