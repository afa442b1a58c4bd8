package io.nlistream.streamer.support;

import io.nlistream.kafkatest.KafkaBroker;
import io.nlistream.kafkatest.SaslSslAccess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A SASL_SSL broker (init arg {@code security=SASL_SSL}) and the app configured the way the Helm chart configures
 * it: SASL and TLS on, credentials and truststore in Secrets, the Kafka variables of the rendered container
 * environment ({@link ChartEnvironment}) passed under their own names, which application.properties reads.
 */
public class SecuredStreamerTestResource extends StreamerTestResource {
    static final String USER_SECRET = "nli-kafka-user";
    static final String TLS_SECRET = "nli-kafka-tls";

    /** The Kafka part of the container environment the app was started with. */
    public static Map<String, String> kafkaEnvironment;

    @Override
    protected Map<String, String> config(KafkaBroker broker) {
        SaslSslAccess access = broker.saslSsl()
                .orElseThrow(() -> new IllegalStateException("start this resource with security=SASL_SSL"));
        Path volumes;
        try {
            volumes = Files.createTempDirectory("nli-chart-volumes-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> env = ChartEnvironment.render(
                Map.of(
                        "kafka.bootstrapServers",
                        broker.bootstrapServers(),
                        "kafka.sasl.enabled",
                        true,
                        "kafka.sasl.mechanism",
                        access.mechanism(),
                        "kafka.sasl.existingSecret",
                        USER_SECRET,
                        "kafka.tls.enabled",
                        true,
                        "kafka.tls.existingSecret",
                        TLS_SECRET,
                        "kafka.tls.truststoreType",
                        access.truststoreType()),
                Map.of(
                        USER_SECRET, Map.of("username", access.username(), "password", access.password()),
                        TLS_SECRET,
                                Map.of(
                                        "truststore.p12", access.truststore(),
                                        "truststore.password", access.truststorePassword())),
                volumes);
        Map<String, String> kafka = new HashMap<>();
        // the connection settings; the chart's state dir and JVM options are for the pod, not this test JVM
        env.forEach((k, v) -> {
            if (k.startsWith("KAFKA_") && !k.equals("KAFKA_STREAMS_STATE_DIR")) {
                kafka.put(k, v);
            }
        });
        kafkaEnvironment = Map.copyOf(kafka);
        Map<String, String> config = new HashMap<>(kafka);
        // Real env vars reach kafka.bootstrap.servers by SmallRye's name mapping, which only applies to the
        // environment itself; everything else the chart sets is read through ${KAFKA_...} in application.properties.
        String servers = kafka.get("KAFKA_BOOTSTRAP_SERVERS");
        config.put("kafka.bootstrap.servers", servers);
        config.put("quarkus.kafka.devservices.enabled", "false");
        return config;
    }
}
