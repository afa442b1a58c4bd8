package io.nlistream.streamer.bundle;

import io.nlistream.streamer.inference.NliModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Durable model control: the bundle a deployment should serve is the latest control event keyed by its name on a
 * compacted topic (created with {@code cleanup.policy=compact} when absent). At start the topic is read from the
 * beginning with an assigned consumer (no group, so no committed offset can skip an event published while this
 * instance was down) up to the end offsets seen then, and the desired bundle is loaded before {@link #caughtUp}
 * holds; later events are applied as they come. Every instance of a deployment reads the same log, so all converge
 * on its latest event. Keyless events (the original, broadcast form) apply to every deployment; a compacted topic
 * refuses them, so key them there.
 *
 * <p>A refused bundle (missing, corrupt, failing to load) is logged and counted by {@link ActiveModel#reload} and the
 * model served keeps serving. At start the newest desired bundle that loads wins (older events of the same key still
 * in the log are tried in turn), so an instance that starts after a bad event serves what its peers kept serving,
 * not the configured bundle; once compaction has dropped those older events it falls back to the configured one.
 */
public final class ModelControl implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ModelControl.class);
    /** Older desired bundles kept for the fallback at start; more than a deployment rolls back through. */
    private static final int HISTORY = 16;

    /**
     * @param topic the control topic
     * @param deployment the key of this deployment's events (every instance of one deployment shares it)
     * @param configured the configured bundle directory (what an event without a path names)
     * @param kafka Kafka client settings (bootstrap servers, security); consumer and admin settings are added
     */
    public record Settings(String topic, String deployment, Path configured, Map<String, Object> kafka) {}

    /**
     * Where this instance stands.
     *
     * @param caughtUp the control topic was read to its end at start and the desired bundle applied
     * @param desired the bundle directory the latest event for this deployment names (the configured one if none)
     * @param refused why {@code desired} is not served, when it was refused
     */
    public record Status(boolean caughtUp, Path desired, Optional<String> refused) {}

    private final ActiveModel models;
    private final Settings settings;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean closed;
    private volatile KafkaConsumer<String, String> consumer;
    private volatile Path desired;
    private volatile String refused;

    private ModelControl(ActiveModel models, Settings settings) {
        this.models = models;
        this.settings = settings;
        this.desired = settings.configured();
        this.thread = new Thread(this::run, "nli-model-control");
        thread.setDaemon(true);
    }

    /** Starts following the control topic; {@link #awaitCaughtUp} tells when the desired bundle is applied. */
    public static ModelControl start(ActiveModel models, Settings settings) {
        ModelControl control = new ModelControl(models, settings);
        control.thread.start();
        return control;
    }

    /** Waits until the control topic was read to its end and the desired bundle applied; false on timeout. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Status status() {
        return new Status(caughtUp.getCount() == 0, desired, Optional.ofNullable(refused));
    }

    private void run() {
        ensureCompactedTopic();
        while (!closed) {
            try (KafkaConsumer<String, String> c =
                    new KafkaConsumer<>(consumerConfig(), new StringDeserializer(), new StringDeserializer())) {
                consumer = c;
                if (closed) {
                    return;
                }
                follow(c);
            } catch (WakeupException e) {
                if (!closed) {
                    LOG.warn("model control consumer woken up unexpectedly; reading the control topic again");
                }
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                // Not one event's fault (those are skipped in follow): retry from the beginning, which re-applies
                // the latest desired state and skips it when it is already served.
                LOG.errorf(e, "model control on %s failed; reading it again from the beginning", settings.topic());
                sleep(Duration.ofSeconds(1));
            }
        }
    }

    private void follow(KafkaConsumer<String, String> c) {
        List<TopicPartition> partitions = awaitPartitions(c);
        c.assign(partitions);
        c.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = c.endOffsets(partitions);
        Deque<Path> history = new ArrayDeque<>();
        while (!closed && !reached(c, end)) {
            for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                remember(history, r);
            }
        }
        if (closed) {
            return;
        }
        applyAtStart(history);
        caughtUp.countDown();
        while (!closed) {
            for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
                if (ours(r)) {
                    Optional<Path> dir = desiredDir(r);
                    dir.ifPresent(this::apply);
                }
            }
        }
    }

    private static boolean reached(KafkaConsumer<String, String> c, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (c.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Records the bundle an event of ours asks for; a tombstone clears the history back to the configured one. */
    private void remember(Deque<Path> history, ConsumerRecord<String, String> r) {
        if (!ours(r)) {
            return;
        }
        if (r.value() == null) {
            history.clear();
            return;
        }
        desiredDir(r).ifPresent(dir -> {
            history.remove(dir);
            history.addLast(dir);
            if (history.size() > HISTORY) {
                history.removeFirst();
            }
        });
    }

    /** The newest desired bundle that loads; what is already served counts as loaded (it was just loaded at start). */
    private void applyAtStart(Deque<Path> history) {
        if (history.isEmpty()) {
            desired = settings.configured();
            refused = null;
            LOG.infof("no control event for %s on %s: serving the configured bundle", key(), settings.topic());
            return;
        }
        desired = history.peekLast();
        refused = null;
        for (Iterator<Path> newestFirst = history.descendingIterator(); newestFirst.hasNext(); ) {
            Path dir = newestFirst.next();
            if (serving(dir)) {
                LOG.infof("desired bundle for %s on %s is %s: already served", key(), settings.topic(), dir);
                return;
            }
            LOG.infof("desired bundle for %s on %s is %s: loading it", key(), settings.topic(), dir);
            Optional<String> why = models.reload(dir);
            if (why.isEmpty()) {
                return;
            }
            if (refused == null) {
                refused = dir + ": " + why.get();
            }
        }
        LOG.errorf(
                "no desired bundle for %s on %s could be loaded; serving %s (%s)",
                key(), settings.topic(), servedDir(), refused);
    }

    private void apply(Path dir) {
        LOG.infof("control event for %s: reload the bundle from %s", key(), dir);
        desired = dir;
        refused = models.reload(dir).map(why -> dir + ": " + why).orElse(null);
    }

    private boolean ours(ConsumerRecord<String, String> r) {
        return r.key() == null || r.key().equals(settings.deployment());
    }

    /** The directory an event asks for; empty (with a warning) for a value that is not a control event. */
    private Optional<Path> desiredDir(ConsumerRecord<String, String> r) {
        if (r.value() == null) {
            return Optional.of(settings.configured());
        }
        try {
            return Optional.of(ControlEvent.parse(r.value()).dir(settings.configured()));
        } catch (IllegalArgumentException e) {
            LOG.warnf(
                    "ignored the control event at %s-%d offset %d: %s",
                    r.topic(), r.partition(), r.offset(), e.getMessage());
            return Optional.empty();
        }
    }

    private boolean serving(Path dir) {
        Path served = servedDir();
        return served != null && same(served, dir);
    }

    private Path servedDir() {
        NliModel m = models.peek();
        return m == null ? null : m.dir();
    }

    static boolean same(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    private String key() {
        return "deployment " + settings.deployment();
    }

    /** Waits for the topic's partitions (it may not exist yet: readiness stays down meanwhile). */
    private List<TopicPartition> awaitPartitions(KafkaConsumer<String, String> c) {
        while (true) {
            List<PartitionInfo> infos = c.partitionsFor(settings.topic(), Duration.ofSeconds(10));
            if (infos != null && !infos.isEmpty()) {
                return infos.stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
            }
            LOG.warnf("control topic %s has no partitions yet; waiting for it", settings.topic());
            if (!sleep(Duration.ofSeconds(2))) {
                throw new WakeupException();
            }
        }
    }

    /**
     * Creates the control topic compacted with one partition (one order for every deployment) when it is absent,
     * and warns when it exists without compaction (then old events are deleted by retention, not by key). Failures
     * (no CreateTopics or DescribeConfigs permission) only warn: the platform may manage the topic.
     */
    private void ensureCompactedTopic() {
        Map<String, Object> admin = new HashMap<>(settings.kafka());
        admin.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        admin.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        admin.put(AdminClientConfig.CLIENT_ID_CONFIG, "nli-control-admin-" + settings.deployment());
        String topic = settings.topic();
        try (Admin a = Admin.create(admin)) {
            Set<String> names = a.listTopics().names().get();
            if (!names.contains(topic)) {
                try {
                    a.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty())
                                    .configs(Map.of(
                                            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                            .all()
                            .get();
                    LOG.infof("created the control topic %s (cleanup.policy=compact, 1 partition)", topic);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
                return;
            }
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = a.describeConfigs(List.of(resource)).all().get().get(resource);
            ConfigEntry policy = config == null ? null : config.get(TopicConfig.CLEANUP_POLICY_CONFIG);
            if (policy == null || !policy.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
                LOG.warnf(
                        "control topic %s is not compacted (cleanup.policy=%s): the desired model lasts only as long"
                                + " as its retention; set cleanup.policy=compact",
                        topic, policy == null ? "?" : policy.value());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            LOG.warnf(
                    "could not check or create the control topic %s (%s); it must exist, compacted",
                    topic, cause.toString());
        }
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> c = new HashMap<>(settings.kafka());
        // assigned, never committed: every start reads the whole (compacted) log
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "nli-control-" + settings.deployment());
        // a topic the broker auto-created on this consumer's metadata request would not be compacted
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        return c;
    }

    private boolean sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return !closed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            // not interrupted at once: an interrupt would abort a bundle load in progress for no gain
            thread.join(5_000);
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
