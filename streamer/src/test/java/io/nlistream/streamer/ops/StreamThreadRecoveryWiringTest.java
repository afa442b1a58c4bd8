package io.nlistream.streamer.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.nlistream.streamer.support.StreamerTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.junit.jupiter.api.Test;

/**
 * The running service offers exactly one {@link StreamsUncaughtExceptionHandler} bean, ours: Quarkus' Kafka Streams
 * extension looks the type up (an {@code Instance} of it) and, when it resolves, sets it before starting the streams;
 * without it a dying stream thread shuts the instance down (Kafka Streams' default).
 */
@QuarkusTest
@QuarkusTestResource(value = StreamerTestResource.class, restrictToAnnotatedClass = false)
class StreamThreadRecoveryWiringTest {
    @Inject
    Instance<StreamsUncaughtExceptionHandler> handlers;

    @Test
    void theServiceOffersItsStreamThreadRecoveryToKafkaStreams() {
        assertThat(handlers.isResolvable()).isTrue();
        assertThat(handlers.get()).isInstanceOf(StreamThreadRecovery.class);
    }
}
