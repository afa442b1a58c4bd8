package io.nlistream.streamer.ops;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only while Kafka Streams is RUNNING (not while rebalancing or restoring the batch buffer) and the Kafka
 * cluster answers ({@link BrokerProbe}): Streams alone stays RUNNING through a broker outage. Quarkus adds the topics
 * check to readiness and the streams-state check to liveness.
 */
@Readiness
@ApplicationScoped
public class StreamsHealth implements AsyncHealthCheck {
    @Inject
    KafkaStreams streams;

    @Inject
    BrokerProbe broker;

    @Override
    public Uni<HealthCheckResponse> call() {
        return broker.check().map(reach -> {
            KafkaStreams.State state = streams.state();
            return HealthCheckResponse.named("nli-streams")
                    .status(state == KafkaStreams.State.RUNNING && reach.reachable())
                    .withData("state", state.name())
                    .withData("broker", (reach.reachable() ? "reachable: " : "unreachable: ") + reach.detail())
                    .build();
        });
    }
}
