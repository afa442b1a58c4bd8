package io.nlistream.streamer.ops;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * Whether the Kafka cluster answers right now. Kafka Streams stays RUNNING for a long while after its broker
 * vanishes (it only notices at the next rebalance), so readiness and {@code POST /pairs} ask the cluster itself:
 * one metadata round trip ({@code describeCluster}) with the configured Kafka clients' bootstrap and security
 * settings ({@code kafka.*}), bounded by {@link #TIMEOUT}. Answers are shared for {@link #FRESH} so a burst of
 * requests costs one round trip.
 */
@ApplicationScoped
public class BrokerProbe {
    /** Under the readiness probe's timeoutSeconds (3 s in the Helm chart): the probe gets DOWN, not a timeout. */
    static final Duration TIMEOUT = Duration.ofSeconds(2);

    static final Duration FRESH = Duration.ofSeconds(1);

    /** One answer: reachable, or why not. */
    public record Reachability(boolean reachable, String detail, long checkedAtNanos) {}

    private final Map<String, Object> kafka;
    private Admin admin;
    private Uni<Reachability> inFlight;
    private Reachability last;

    @Inject
    public BrokerProbe(@Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.kafka = kafka;
    }

    /** The latest answer if younger than {@link #FRESH}, else a new round trip (at most one at a time). */
    public synchronized Uni<Reachability> check() {
        Reachability known = last;
        if (known != null && System.nanoTime() - known.checkedAtNanos() < FRESH.toNanos()) {
            return Uni.createFrom().item(known);
        }
        if (inFlight == null) {
            inFlight = ask().onItem().invoke(this::remember).memoize().indefinitely();
        }
        return inFlight;
    }

    private synchronized void remember(Reachability r) {
        last = r;
        inFlight = null;
    }

    private Uni<Reachability> ask() {
        Admin client;
        try {
            client = admin();
        } catch (RuntimeException e) {
            return Uni.createFrom().item(new Reachability(false, "cannot create a Kafka admin client: " + e, now()));
        }
        DescribeClusterOptions options = new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis());
        return Uni.createFrom()
                .completionStage(
                        () -> client.describeCluster(options).clusterId().toCompletionStage())
                .ifNoItem()
                .after(TIMEOUT.plusMillis(500))
                .fail()
                .onItemOrFailure()
                .transform((clusterId, failure) -> failure == null
                        ? new Reachability(true, "cluster " + clusterId, now())
                        : new Reachability(false, describe(failure), now()));
    }

    private static String describe(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return "no answer from the Kafka cluster within " + TIMEOUT.toMillis() + " ms: "
                + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : " " + cause.getMessage());
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Map<String, Object> config = new HashMap<>();
            // kafka.* also carries consumer/producer settings Admin would log as unknown
            kafka.forEach((k, v) -> {
                if (AdminClientConfig.configNames().contains(k)) {
                    config.put(k, v);
                }
            });
            config.put(AdminClientConfig.CLIENT_ID_CONFIG, "nli-broker-probe");
            config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
            config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
            // reconnect soon after the broker is back, not after the default 1 s backoff growing to 1 s anyway
            config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
            admin = Admin.create(config);
        }
        return admin;
    }

    private static long now() {
        return System.nanoTime();
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }
}
