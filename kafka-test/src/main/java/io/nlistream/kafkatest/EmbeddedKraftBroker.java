package io.nlistream.kafkatest;

import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * A single-node KRaft broker in this JVM: the real Kafka server code, over real sockets. Replication factors are 1
 * so transactions (exactly_once_v2) and consumer groups work on one node. Its ports and log directory are chosen
 * once, so {@link #stop()} and {@link #restart()} bring back the same cluster at the same address.
 *
 * <p>A SASL_SSL broker adds a {@code SASL_SSL} listener (SCRAM-SHA-512 over TLS with a generated self-signed
 * certificate) and advertises it as {@link #bootstrapServers()}. Its PLAINTEXT listener stays: Kafka needs one for
 * inter-broker traffic, and the SCRAM user is created through it (Admin API) before any client can log in.
 */
final class EmbeddedKraftBroker implements KafkaBroker {
    static final String SCRAM_MECHANISM = "SCRAM-SHA-512";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final BrokerSpec spec;
    private final Path logDir;
    private final int kafkaPort;
    private final int saslPort;
    private final TestTls tls;
    private final String user = "nli-test";
    private final String password = UUID.randomUUID().toString();
    private final EmbeddedKafkaBroker broker;

    EmbeddedKraftBroker(BrokerSpec spec) {
        this.spec = spec;
        this.logDir = TestTls.tempDir("nli-kraft-");
        this.kafkaPort = freePort();
        boolean sasl = spec.security() == BrokerSpec.Security.SASL_SSL;
        this.saslPort = sasl ? freePort() : -1;
        this.tls = sasl ? TestTls.generate(TestTls.tempDir("nli-kraft-tls-")) : null;
        broker = new EmbeddedKafkaBroker()
                .withNodeId(0)
                .withKafkaPort(kafkaPort)
                .withControllerPort(freePort())
                // restart() needs the data back; close() deletes it
                .withDeleteLogDirsOnClose(false)
                .withAdditionalProperties(this::configure);
        if (sasl) {
            broker.withAdvertisedListeners(
                    EmbeddedKafkaBroker.endpoint(SecurityProtocol.PLAINTEXT, "localhost", kafkaPort),
                    EmbeddedKafkaBroker.endpoint(SecurityProtocol.SASL_SSL, "localhost", saslPort));
        }
        broker.start();
        if (sasl) {
            createScramUser();
        }
        awaitServing();
    }

    private void configure(Properties p) {
        p.put("log.dir", logDir.toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        if (tls != null) {
            String listener = "listener.name.sasl_ssl.";
            p.put(listener + "sasl.enabled.mechanisms", SCRAM_MECHANISM);
            p.put(listener + "scram-sha-512.sasl.jaas.config", SaslSslAccess.SCRAM_LOGIN + " required;");
            p.put(listener + "ssl.keystore.location", tls.keystore().toString());
            p.put(listener + "ssl.keystore.password", tls.password());
            p.put(listener + "ssl.key.password", tls.password());
            p.put(listener + "ssl.keystore.type", TestTls.TYPE);
            p.put(listener + "ssl.client.auth", "none");
        }
    }

    @Override
    public String bootstrapServers() {
        return tls != null ? "localhost:" + saslPort : broker.getAdvertisedListeners();
    }

    @Override
    public Optional<SaslSslAccess> saslSsl() {
        return Optional.ofNullable(tls)
                .map(t ->
                        new SaslSslAccess(SCRAM_MECHANISM, user, password, t.truststore(), TestTls.TYPE, t.password()));
    }

    @Override
    public Map<String, String> clientSecurity() {
        return saslSsl()
                .map(access -> Map.of(
                        "security.protocol", "SASL_SSL",
                        "sasl.mechanism", access.mechanism(),
                        "sasl.jaas.config", access.jaasConfig(),
                        "ssl.truststore.location", access.truststore().toString(),
                        "ssl.truststore.password", access.truststorePassword(),
                        "ssl.truststore.type", access.truststoreType()))
                .orElse(Map.of());
    }

    @Override
    public String kind() {
        return "embedded";
    }

    @Override
    public synchronized void stop() {
        requireRestartable();
        broker.close();
    }

    @Override
    public synchronized void restart() {
        requireRestartable();
        broker.start();
        awaitServing();
    }

    private void requireRestartable() {
        if (!spec.canRestart()) {
            throw new UnsupportedOperationException("this broker may serve other tests: stop/restart only one started"
                    + " with KafkaBrokers.start(BrokerSpec...restartable())");
        }
    }

    @Override
    public synchronized void close() {
        broker.close();
        deleteTree(logDir);
        if (tls != null) {
            deleteTree(tls.keystore().getParent());
        }
    }

    /** SCRAM credentials live in the cluster metadata (so they survive a restart); upserted over PLAINTEXT. */
    private void createScramUser() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:" + kafkaPort))) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                            user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password)))
                    .all()
                    .get(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the SCRAM user of the test broker", e);
        }
    }

    /** Returns once a client configured as tests' clients are (SASL included) gets the cluster's metadata. */
    private void awaitServing() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Map<String, Object> config = clientConfig();
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try (Admin admin = Admin.create(config)) {
                admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                last = e; // the SCRAM user may not have reached the broker's credential cache yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the test broker", e);
            }
            sleep(200);
        }
        throw new IllegalStateException(
                "the test broker did not serve " + bootstrapServers() + " within " + READY_TIMEOUT, last);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the test broker's files under " + root, e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free local port for the embedded Kafka broker", e);
        }
    }
}
