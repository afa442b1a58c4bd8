package io.nlistream.streamer.ops;

import io.nlistream.streamer.bundle.ActiveModel;
import io.nlistream.streamer.inference.NliModel;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;

/** Up once a bundle is loaded, verified and warmed; shows which one and on which execution provider. */
@Readiness
@Startup
@ApplicationScoped
public class ModelHealth implements HealthCheck {
    @Inject
    ActiveModel models;

    @Override
    public HealthCheckResponse call() {
        NliModel m = models.peek();
        if (m == null) {
            return HealthCheckResponse.named("nli-model")
                    .down()
                    .withData("reason", "no bundle loaded yet")
                    .build();
        }
        return HealthCheckResponse.named("nli-model")
                .up()
                .withData("name", m.ref().name())
                .withData("version", m.ref().version())
                .withData("sha256", m.ref().sha256())
                .withData("provider", m.provider())
                .withData("precision", m.precision())
                .withData("bundle", m.dir().toString())
                .build();
    }
}
