package io.nlistream.streamer.support;

import io.nlistream.kafkatest.KafkaTestResource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * A real broker (kafka-test) with the streamer's topics created (two partitions for pairs and classifications, so
 * ordering is checked per partition) and a tiny model bundle in a temp directory the app serves and watches. Init
 * args as {@link KafkaTestResource}'s ({@code security}, {@code restartable}).
 */
public class StreamerTestResource extends KafkaTestResource {
    public static final int PARTITIONS = 2;
    /** The watched bundle directory; hot-reload tests write new versions into it. */
    public static Path bundleDir;

    public static String bootstrap;
    /** bootstrap.servers plus the broker's security settings: what the tests' own clients use. */
    public static Map<String, Object> client;

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        bootstrap = broker().bootstrapServers();
        client = broker().clientConfig();
        try (Admin admin = Admin.create(client)) {
            admin.createTopics(List.of(
                            new NewTopic("nli.pairs", PARTITIONS, (short) 1),
                            new NewTopic("nli.classifications", PARTITIONS, (short) 1),
                            new NewTopic("nli.pairs.dlq", 1, (short) 1),
                            new NewTopic("nli.control", 1, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
                    .all()
                    .get();
            bundleDir =
                    TestBundles.tiny(Files.createTempDirectory("nli-bundle-").resolve("served"), "1");
        } catch (Exception e) {
            throw new IllegalStateException("cannot prepare the streamer test environment", e);
        }
        config.put("nli.bundle.path", bundleDir.toString());
        return config;
    }
}
