package io.nlistream.trainer.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nlistream.trainer.hub.FakeHub.FileEntry;
import io.nlistream.trainer.hub.FakeHub.Request;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HubClientTest {
    private static final String REPO = "almanach/camemberta-base";
    private static final Path FIXTURE =
            Path.of(System.getProperty("nli.fixtures.dir", "../fixtures")).resolve("camemberta-vocab-tiny");
    private static final List<String> MODEL_FILES = List.of(
            "config.json",
            "model.safetensors",
            "tokenizer.json",
            "tokenizer_config.json",
            "special_tokens_map.json",
            "added_tokens.json",
            "spm.model");

    @TempDir
    Path home;

    private FakeHub hub;
    private Map<String, FileEntry> files;
    private String commit;

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
        files = FakeHub.fixture(FIXTURE, MODEL_FILES.toArray(String[]::new));
        files.put("README.md", FakeHub.regular("# camemberta".getBytes(StandardCharsets.UTF_8)));
        files.put("reference.onnx", FakeHub.lfs(new byte[] {1, 2, 3}));
        commit = hub.commit(REPO, "main", files);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private HubOptions options() {
        return new HubOptions(hub.endpoint(), home.resolve("hub"), null, "main", false, false);
    }

    private Path repoDir() {
        return home.resolve("hub").resolve("models--almanach--camemberta-base");
    }

    @Test
    void downloadsConfigWeightsAndTokenizerIntoTheHfCacheLayout() throws IOException {
        Path snapshot = HubClient.resolve(REPO, options());

        assertThat(snapshot).isEqualTo(repoDir().resolve("snapshots").resolve(commit));
        try (Stream<Path> listed = Files.list(snapshot)) {
            assertThat(listed.map(p -> p.getFileName().toString())).containsExactlyInAnyOrderElementsOf(MODEL_FILES);
        }
        for (String name : MODEL_FILES) {
            Path pointer = snapshot.resolve(name);
            FileEntry served = files.get(name);
            String blobName = served.lfs() ? served.sha256() : served.gitSha1();
            assertThat(Files.isSymbolicLink(pointer)).as(name + " is a symlink").isTrue();
            assertThat(Files.readSymbolicLink(pointer)).isEqualTo(Path.of("..", "..", "blobs", blobName));
            assertThat(Files.readAllBytes(pointer)).as(name).isEqualTo(Files.readAllBytes(FIXTURE.resolve(name)));
        }
        assertThat(Files.readString(repoDir().resolve("refs/main"))).isEqualTo(commit);
        try (Stream<Path> blobs = Files.list(repoDir().resolve("blobs"))) {
            assertThat(blobs.map(Path::toString))
                    .noneMatch(p -> p.endsWith(".incomplete"))
                    .hasSize(7);
        }
        // LFS files came from the CDN after a 302, the others straight from the Hub
        assertThat(hub.requests("cdn", "GET"))
                .extracting(Request::path)
                .containsExactlyInAnyOrder(
                        "/blobs/" + files.get("model.safetensors").sha256(),
                        "/blobs/" + files.get("spm.model").sha256(),
                        "/blobs/" + files.get("tokenizer.json").sha256());
    }

    @Test
    void aSecondResolveReusesTheCacheWithoutDownloadingAgain() throws IOException {
        Path first = HubClient.resolve(REPO, options());
        hub.clearLog();

        Path second = HubClient.resolve(REPO, options());

        assertThat(second).isEqualTo(first);
        assertThat(hub.requests()).extracting(Request::path).containsExactly("/api/models/" + REPO + "/revision/main");
    }

    @Test
    void aPinnedCommitInTheCacheNeedsNoRequestAtAll() throws IOException {
        HubClient.resolve(REPO, options());
        hub.clearLog();

        Path pinned = HubClient.resolve(REPO + "@" + commit, options());

        assertThat(pinned).isEqualTo(repoDir().resolve("snapshots").resolve(commit));
        assertThat(hub.requests()).isEmpty();
    }

    @Test
    void aNewCommitDownloadsOnlyFilesWhoseEtagChanged() throws IOException {
        HubClient.resolve(REPO, options());
        Map<String, FileEntry> changed = new LinkedHashMap<>(files);
        changed.put(
                "config.json",
                FakeHub.regular(
                        "{\"model_type\": \"deberta-v2\", \"changed\": true}".getBytes(StandardCharsets.UTF_8)));
        String newCommit = hub.commit(REPO, "main", changed);
        hub.clearLog();

        Path snapshot = HubClient.resolve(REPO, options());

        assertThat(snapshot).isEqualTo(repoDir().resolve("snapshots").resolve(newCommit));
        assertThat(Files.readString(snapshot.resolve("config.json"))).contains("\"changed\": true");
        assertThat(hub.requests("hub", "GET"))
                .extracting(Request::path)
                .containsExactly(
                        "/api/models/" + REPO + "/revision/main",
                        "/" + REPO + "/resolve/" + newCommit + "/config.json");
        assertThat(hub.requests("cdn", "GET"))
                .as("unchanged LFS blobs are reused by ETag")
                .isEmpty();
        assertThat(Files.readSymbolicLink(snapshot.resolve("model.safetensors")))
                .isEqualTo(Path.of(
                        "..", "..", "blobs", files.get("model.safetensors").sha256()));
        assertThat(Files.readString(repoDir().resolve("refs/main"))).isEqualTo(newCommit);
        assertThat(repoDir().resolve("snapshots").resolve(commit).resolve("config.json"))
                .exists();
    }

    @Test
    void sendsTheTokenToTheHubButNeverToTheCdn() throws IOException {
        HubOptions withToken = new HubOptions(hub.endpoint(), home.resolve("hub"), "hf_test", "main", false, false);

        HubClient.resolve(REPO, withToken);

        assertThat(hub.requests())
                .filteredOn(r -> r.server().equals("hub"))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.authorization()).isEqualTo("Bearer hf_test"));
        assertThat(hub.requests())
                .filteredOn(r -> r.server().equals("cdn"))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.authorization()).isNull());
    }

    @Test
    void aGatedRepoAsksForHfTokenAndWorksWithIt() throws IOException {
        hub.makeGated(REPO, "hf_granted");

        assertThatThrownBy(() -> HubClient.resolve(REPO, options()))
                .isInstanceOf(HubException.class)
                .hasMessageContaining("is gated")
                .hasMessageContaining(hub.endpoint() + "/" + REPO)
                .hasMessageContaining("set HF_TOKEN");

        HubOptions withToken = new HubOptions(hub.endpoint(), home.resolve("hub"), "hf_granted", "main", false, false);
        assertThat(HubClient.resolve(REPO, withToken).resolve("model.safetensors"))
                .exists();
    }

    @Test
    void aPrivateOrMissingRepoIs401WithAHintAboutHfToken() throws IOException {
        hub.makePrivate(REPO, "hf_owner");

        assertThatThrownBy(() -> HubClient.resolve(REPO, options()))
                .hasMessageContaining("Repository '" + REPO + "' was not found")
                .hasMessageContaining("If it is private or gated, set HF_TOKEN");
        assertThatThrownBy(() -> HubClient.resolve("nobody/nothing", options()))
                .hasMessageContaining("Repository 'nobody/nothing' was not found");
        assertThat(Files.exists(repoDir().resolve("snapshots"))).isFalse();
    }

    @Test
    void anUnknownRevisionIs404WithItsName() {
        assertThatThrownBy(() -> HubClient.resolve(REPO, options().withRevision("v9.9")))
                .isInstanceOf(HubException.class)
                .hasMessageContaining("Revision 'v9.9' was not found in '" + REPO + "'");
    }

    @Test
    void resolvesTagsAndSlashedRevisionsAndRecordsTheirRefs() throws IOException {
        hub.tag(REPO, "v1.0", commit);
        hub.tag(REPO, "refs/pr/1", commit);

        Path tagged = HubClient.resolve(REPO + "@v1.0", options());
        Path pr = HubClient.resolve(REPO, options().withRevision("refs/pr/1"));

        assertThat(tagged)
                .isEqualTo(pr)
                .isEqualTo(repoDir().resolve("snapshots").resolve(commit));
        assertThat(Files.readString(repoDir().resolve("refs/v1.0"))).isEqualTo(commit);
        assertThat(Files.readString(repoDir().resolve("refs/refs/pr/1"))).isEqualTo(commit);
        assertThat(hub.requests("hub", "GET"))
                .extracting(Request::path)
                .contains("/api/models/" + REPO + "/revision/refs%2Fpr%2F1");
    }

    @Test
    void offlineModeServesACachedSnapshotWithoutTheNetwork() throws IOException {
        Path online = HubClient.resolve(REPO, options());
        hub.close();

        Path offline = HubClient.resolve(REPO, options().withOffline(true));

        assertThat(offline).isEqualTo(online);
    }

    @Test
    void offlineModeWithoutACachedSnapshotSaysHowToFillTheCache() {
        assertThatThrownBy(() -> HubClient.resolve(REPO, options().withOffline(true)))
                .isInstanceOf(HubException.class)
                .hasMessageContaining("HF_HUB_OFFLINE is set and " + REPO + "@main is not in the Hugging Face cache")
                .hasMessageContaining(home.resolve("hub").toString())
                .hasMessageContaining("nli-trainer download --model " + REPO);
        assertThat(hub.requests()).isEmpty();
    }

    @Test
    void anInterruptedDownloadLeavesNoSnapshotFileAndTheRetryResumes() throws IOException {
        FileEntry weights = files.get("model.safetensors");
        hub.interruptNextDownloadAfter(1 << 20);

        assertThatThrownBy(() -> HubClient.resolve(REPO, options()))
                .isInstanceOf(HubException.class)
                .hasMessageContaining("was interrupted after")
                .hasMessageContaining("run the command again to resume")
                .satisfies(e -> assertThat(((HubException) e).isNetwork()).isTrue());
        Path snapshotWeights = repoDir().resolve("snapshots").resolve(commit).resolve("model.safetensors");
        assertThat(Files.exists(snapshotWeights)).isFalse();
        assertThat(repoDir().resolve("blobs").resolve(weights.sha256())).doesNotExist();
        assertThatThrownBy(() -> HubClient.resolve(REPO, options().withOffline(true)))
                .hasMessageContaining("not in the Hugging Face cache");
        long partial = Files.size(repoDir().resolve("blobs").resolve(weights.sha256() + ".incomplete"));
        assertThat(partial).isPositive().isLessThanOrEqualTo(1 << 20);
        hub.clearLog();

        Path snapshot = HubClient.resolve(REPO, options());

        assertThat(Files.readAllBytes(snapshot.resolve("model.safetensors"))).isEqualTo(weights.bytes());
        assertThat(hub.requests("cdn", "GET"))
                .filteredOn(r -> r.path().endsWith(weights.sha256()))
                .extracting(Request::range)
                .containsExactly("bytes=" + partial + "-");
    }

    @Test
    void aCorruptedDownloadIsDiscardedNotCached() throws IOException {
        hub.corruptNextDownload();

        assertThatThrownBy(() -> HubClient.resolve(REPO, options()))
                .isInstanceOf(HubException.class)
                .hasMessageContaining("is corrupt (sha256")
                .hasMessageContaining("it was discarded");
        try (Stream<Path> blobs = Files.list(repoDir().resolve("blobs"))) {
            assertThat(blobs.map(p -> p.getFileName().toString())).allSatisfy(name -> {
                FileEntry entry = files.values().stream()
                        .filter(f -> name.equals(f.lfs() ? f.sha256() : f.gitSha1()))
                        .findFirst()
                        .orElseThrow();
                assertThat(Files.readAllBytes(repoDir().resolve("blobs").resolve(name)))
                        .isEqualTo(entry.bytes());
            });
        }

        Path snapshot = HubClient.resolve(REPO, options());
        for (String name : MODEL_FILES) {
            assertThat(Files.readAllBytes(snapshot.resolve(name)))
                    .isEqualTo(files.get(name).bytes());
        }
    }

    @Test
    void anUnreachableHubSuggestsOfflineModeOrALocalDirectory() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        HubOptions unreachable = new HubOptions(
                URI.create("http://127.0.0.1:" + closedPort), home.resolve("hub"), null, "main", false, false);

        assertThatThrownBy(() -> HubClient.resolve(REPO, unreachable))
                .isInstanceOf(HubException.class)
                .hasMessageContaining("Cannot reach http://127.0.0.1:" + closedPort)
                .hasMessageContaining("set HF_HUB_OFFLINE=1")
                .hasMessageContaining("pass a local model directory to --model");
    }

    @Test
    void whenTheHubIsUnreachableACompleteCachedSnapshotStillServes() throws IOException {
        Path online = HubClient.resolve(REPO, options());
        HubOptions sameCache = options();
        hub.close();

        assertThat(HubClient.resolve(REPO, sameCache)).isEqualTo(online);
    }

    @Test
    void prefersSafetensorsAndFollowsAShardIndex() throws IOException {
        String index = "{\"metadata\":{\"total_size\":6},\"weight_map\":{"
                + "\"a.weight\":\"model-00001-of-00002.safetensors\",\"b.weight\":\"model-00002-of-00002.safetensors\","
                + "\"c.weight\":\"model-00001-of-00002.safetensors\"}}";
        String sharded = "org/sharded";
        hub.commit(
                sharded,
                "main",
                Map.of(
                        "config.json", FakeHub.regular("{}".getBytes(StandardCharsets.UTF_8)),
                        "model.safetensors.index.json", FakeHub.regular(index.getBytes(StandardCharsets.UTF_8)),
                        "model-00001-of-00002.safetensors", FakeHub.lfs(new byte[] {1, 2, 3}),
                        "model-00002-of-00002.safetensors", FakeHub.lfs(new byte[] {4, 5, 6}),
                        "pytorch_model.bin", FakeHub.lfs(new byte[] {9})));

        Path snapshot = HubClient.resolve(sharded, options());

        try (Stream<Path> listed = Files.list(snapshot)) {
            assertThat(listed.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(
                            "config.json",
                            "model.safetensors.index.json",
                            "model-00001-of-00002.safetensors",
                            "model-00002-of-00002.safetensors");
        }
        assertThat(Files.readAllBytes(snapshot.resolve("model-00002-of-00002.safetensors")))
                .containsExactly(4, 5, 6);
    }

    @Test
    void fallsBackToPytorchModelBinAndRefusesARepoWithoutWeights() throws IOException {
        hub.commit(
                "org/old-camembert",
                "main",
                Map.of(
                        "config.json", FakeHub.regular("{}".getBytes(StandardCharsets.UTF_8)),
                        "pytorch_model.bin", FakeHub.lfs(new byte[] {7, 7}),
                        "sentencepiece.bpe.model", FakeHub.lfs(new byte[] {8})));
        hub.commit(
                "org/no-weights",
                "main",
                Map.of(
                        "config.json", FakeHub.regular("{}".getBytes(StandardCharsets.UTF_8)),
                        "model.onnx", FakeHub.lfs(new byte[] {1})));

        Path old = HubClient.resolve("org/old-camembert", options());

        assertThat(old.resolve("pytorch_model.bin")).hasBinaryContent(new byte[] {7, 7});
        assertThat(old.resolve("sentencepiece.bpe.model")).exists();
        assertThatThrownBy(() -> HubClient.resolve("org/no-weights", options()))
                .hasMessageContaining("has neither model.safetensors nor pytorch_model.bin")
                .hasMessageContaining("model.onnx");
    }

    @Test
    void copiesInsteadOfLinkingWhereSymlinksAreUnavailable() throws IOException {
        HubOptions options = options();
        HubClient client = new HubClient(options, new HubCache(options.cacheDir(), false));

        Path snapshot = client.snapshot(REPO, "main");

        assertThat(Files.isSymbolicLink(snapshot.resolve("model.safetensors"))).isFalse();
        assertThat(snapshot.resolve("model.safetensors"))
                .hasBinaryContent(files.get("model.safetensors").bytes());
    }

    @Test
    void aLocalDirectoryIsUsedAsItIsAndABadValueIsExplained() throws IOException {
        assertThat(HubClient.resolve(FIXTURE.toString(), options()))
                .isEqualTo(FIXTURE.toAbsolutePath().normalize());
        assertThat(hub.requests()).isEmpty();

        assertThatThrownBy(() -> HubClient.resolve("./no/such/model", options()))
                .hasMessageContaining("--model ./no/such/model: no such directory");
        assertThatThrownBy(() -> HubClient.resolve("not a repo!", options()))
                .hasMessageContaining("is neither an existing directory nor a Hugging Face repo id");
        assertThatThrownBy(
                        () -> HubClient.resolve(FIXTURE.resolve("config.json").toString(), options()))
                .hasMessageContaining("is a file");
    }

    @Test
    void readsTheSameEnvironmentVariablesAsHuggingfaceHub() throws IOException {
        Path userHome = home.resolve("user");
        HubOptions defaults = HubOptions.fromEnvironment(Map.of(), userHome);
        assertThat(defaults.endpoint()).isEqualTo(URI.create("https://huggingface.co"));
        assertThat(defaults.cacheDir()).isEqualTo(userHome.resolve(".cache/huggingface/hub"));
        assertThat(defaults.token()).isNull();
        assertThat(defaults.offline()).isFalse();
        assertThat(defaults.revision()).isEqualTo("main");

        Files.createDirectories(home.resolve("hf"));
        Files.writeString(home.resolve("hf/token"), "hf_from_login\n");
        HubOptions hfHome = HubOptions.fromEnvironment(
                Map.of(
                        "HF_HOME",
                        home.resolve("hf").toString(),
                        "HF_HUB_OFFLINE",
                        "1",
                        "HF_ENDPOINT",
                        "https://hf-mirror.example/"),
                userHome);
        assertThat(hfHome.cacheDir()).isEqualTo(home.resolve("hf/hub"));
        assertThat(hfHome.token()).isEqualTo("hf_from_login");
        assertThat(hfHome.offline()).isTrue();
        assertThat(hfHome.endpoint()).isEqualTo(URI.create("https://hf-mirror.example"));

        HubOptions explicit = HubOptions.fromEnvironment(
                Map.of("HF_HOME", home.resolve("hf").toString(), "HF_HUB_CACHE", "/data/hub", "HF_TOKEN", "hf_env"),
                userHome);
        assertThat(explicit.cacheDir()).isEqualTo(Path.of("/data/hub"));
        assertThat(explicit.token()).isEqualTo("hf_env");
        assertThat(explicit.toString()).doesNotContain("hf_env");
    }
}
