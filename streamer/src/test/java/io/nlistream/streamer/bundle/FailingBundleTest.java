package io.nlistream.streamer.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nlistream.streamer.inference.NliModel;
import io.nlistream.streamer.inference.SessionSettings;
import io.nlistream.streamer.support.TestBundles;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test bundle that fails on one word ({@link TestBundles#failingOn}) is what the broker test relies on: it loads
 * and warms, classifies ordinary pairs, and ONNX Runtime fails on any batch holding the word.
 */
class FailingBundleTest {
    @TempDir
    Path tmp;

    @Test
    void loadsClassifiesOrdinaryPairsAndFailsOnlyOnBatchesWithTheWord() {
        BundleLoader loader = new BundleLoader(SessionSettings.cpu());
        try (NliModel model = loader.load(TestBundles.failingOn(tmp.resolve("b"), "f1", "zqxboom"))) {
            double[][] ok = model.predict(
                    model.encodeAll(List.of("Le chat dort.", "Il pleut."), List.of("Un animal dort.", "Il fait sec.")));
            assertThat(ok).hasNumberOfRows(2);
            for (double[] p : ok) {
                assertThat(p[0] + p[1] + p[2]).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            }
            assertThatThrownBy(() -> model.predict(
                            model.encodeAll(List.of("Le chat dort.", "Le zqxboom dort."), List.of("Un chat.", "Oui."))))
                    .hasMessageContaining("ONNX Runtime failed on a batch of 2 pairs");
            assertThat(model.predict(model.encodeAll(List.of("Il pleut."), List.of("Il fait sec."))))
                    .as("the session still serves after a failed batch")
                    .hasNumberOfRows(1);
        }
    }
}
