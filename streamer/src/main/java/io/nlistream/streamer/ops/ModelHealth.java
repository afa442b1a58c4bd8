package io.nlistream.streamer.ops;

import io.nlistream.streamer.api.ControlEvents;
import io.nlistream.streamer.bundle.ActiveModel;
import io.nlistream.streamer.bundle.ModelControl;
import io.nlistream.streamer.inference.NliModel;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;

/**
 * Ready once a bundle is loaded, verified and warmed and the desired state on the control topic was applied (so an
 * instance never reports ready with a model its deployment moved away from); shows which bundle, on which execution
 * provider, what the control topic asks for and why it is not served when it was refused. A refused bundle does not
 * make the instance unready: the model it serves keeps serving.
 */
@Readiness
@ApplicationScoped
public class ModelHealth implements HealthCheck {
    @Inject
    ActiveModel models;

    @Inject
    ControlEvents control;

    @Override
    public HealthCheckResponse call() {
        Optional<ModelControl.Status> status = control.status();
        if (models.peek() != null && status.map(s -> !s.caughtUp()).orElse(true)) {
            return HealthCheckResponse.named("nli-model")
                    .down()
                    .withData("reason", "reading the desired model from the control topic")
                    .build();
        }
        HealthCheckResponseBuilder b = Started.describe(models.peek());
        status.ifPresent(s -> {
            b.withData("desired", s.desired().toString());
            s.refused().ifPresent(why -> b.withData("desired-refused", why));
        });
        return b.build();
    }

    /** Started once a bundle is loaded (the control topic is not waited for: a broker outage is not a failed start). */
    @Startup
    @ApplicationScoped
    public static class Started implements HealthCheck {
        @Inject
        ActiveModel models;

        @Override
        public HealthCheckResponse call() {
            return describe(models.peek()).build();
        }

        static HealthCheckResponseBuilder describe(NliModel m) {
            if (m == null) {
                return HealthCheckResponse.named("nli-model").down().withData("reason", "no bundle loaded yet");
            }
            return HealthCheckResponse.named("nli-model")
                    .up()
                    .withData("name", m.ref().name())
                    .withData("version", m.ref().version())
                    .withData("sha256", m.ref().sha256())
                    .withData("provider", m.provider())
                    .withData("precision", m.precision())
                    .withData("bundle", m.dir().toString());
        }
    }
}
