package io.nlistream.trainer.hub;

import io.nlistream.trainer.hub.HubHttp.FileMetadata;
import io.nlistream.trainer.hub.HubHttp.RepoInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a {@code --model} value into a local checkpoint directory: an existing directory is used as it is; a Hub
 * repo id ({@code almanach/camemberta-base}, optionally {@code @revision}) is downloaded into the Hugging Face cache
 * (config.json, weights, tokenizer files) and its snapshot directory returned. Cached files are reused, so a second
 * run makes no download; with {@code HF_HUB_OFFLINE=1} only the cache is consulted.
 */
public final class HubClient {
    private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);
    private static final Pattern REPO_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private final HubOptions options;
    private final HubCache cache;
    private final HubHttp http;

    public HubClient(HubOptions options) {
        this(options, new HubCache(options.cacheDir()));
    }

    HubClient(HubOptions options, HubCache cache) {
        this.options = options;
        this.cache = cache;
        this.http = new HubHttp(options);
    }

    /** {@link #resolve(String, HubOptions)} with the options of this process's environment. */
    public static Path resolve(String modelIdOrPath) throws IOException {
        return resolve(modelIdOrPath, HubOptions.fromEnvironment());
    }

    /**
     * A local directory holding the model: {@code modelIdOrPath} itself when it is a directory, else the cache
     * snapshot of the Hub repository it names ({@code org/name} or {@code org/name@revision}; without a revision,
     * {@code options.revision()}).
     */
    public static Path resolve(String modelIdOrPath, HubOptions options) throws IOException {
        String value = modelIdOrPath == null ? "" : modelIdOrPath.trim();
        Path local = localPath(value);
        if (local != null && Files.isDirectory(local)) {
            return local.toAbsolutePath().normalize();
        }
        if (local != null && Files.exists(local)) {
            throw new HubException("--model " + value + " is a file; pass the checkpoint directory that holds"
                    + " config.json and the weights, or a Hugging Face repo id such as almanach/camemberta-base");
        }
        int at = value.lastIndexOf('@');
        String repoId = at > 0 ? value.substring(0, at) : value;
        String revision = at > 0 ? value.substring(at + 1) : options.revision();
        if (looksLikePath(value)) {
            throw new HubException("--model " + value + ": no such directory. Pass a checkpoint directory (config.json"
                    + " and weights) or a Hugging Face repo id such as almanach/camemberta-base");
        }
        if (!REPO_ID.matcher(repoId).matches() || revision.isBlank()) {
            throw new HubException("--model '" + value + "' is neither an existing directory nor a Hugging Face repo"
                    + " id (org/name, optionally @revision, e.g. almanach/camemberta-base or"
                    + " almanach/camemberta-base@main)");
        }
        return new HubClient(options).snapshot(repoId, revision);
    }

    /** The cache snapshot of {@code repoId} at {@code revision}, downloading what the cache lacks. */
    public Path snapshot(String repoId, String revision) throws HubException {
        if (options.offline()) {
            Optional<Path> hit = cached(repoId, revision);
            if (hit.isPresent()) {
                return hit.get();
            }
            throw new HubException("HF_HUB_OFFLINE is set and "
                    + repoId + "@" + revision + " is not in the Hugging Face cache (" + cache.root() + ")"
                    + offlineDetail(repoId, revision) + ". Download it once with the network (nli-trainer download"
                    + " --model " + repoId
                    + (revision.equals(HubOptions.DEFAULT_REVISION) ? "" : " --revision " + revision)
                    + "), point HF_HUB_CACHE/HF_HOME at a filled cache, or pass a local directory.");
        }
        if (isCommit(revision)) {
            Optional<Path> pinned = cached(repoId, revision);
            if (pinned.isPresent()) {
                return pinned.get(); // a commit never changes: no need to ask the Hub
            }
        }
        RepoInfo info;
        try {
            info = http.repoInfo(repoId, revision);
        } catch (HubException e) {
            Optional<Path> fallback = e.isNetwork() ? cached(repoId, revision) : Optional.empty();
            if (fallback.isEmpty()) {
                throw e;
            }
            LOG.warn("{} Using the cached snapshot {}.", e.getMessage(), fallback.get());
            return fallback.get();
        }
        String commit = info.commit();
        for (String file : ModelFiles.select(repoId, revision, info.files())) {
            Path local = fetch(repoId, commit, file);
            if (ModelFiles.isShardIndex(file)) {
                for (String shard : ModelFiles.shards(local)) {
                    fetch(repoId, commit, shard);
                }
            }
        }
        cache.writeRef(repoId, revision, commit);
        return cache.snapshotDir(repoId, commit);
    }

    /** One file of a commit: reused from the snapshot or from a blob with the same ETag, else downloaded. */
    private Path fetch(String repoId, String commit, String filename) throws HubException {
        Path pointer = cache.snapshotFile(repoId, commit, filename);
        if (Files.exists(pointer)) {
            return pointer;
        }
        FileMetadata meta = http.head(repoId, commit, filename);
        Path blob = cache.blob(repoId, meta.etag());
        if (!Files.exists(blob)) {
            LOG.info("Downloading {}/{} ({})", repoId, filename, meta.size() >= 0 ? humanSize(meta.size()) : "?");
            http.download(meta, filename, blob, cache.lockFile(repoId, meta.etag()));
        }
        cache.link(blob, pointer);
        return pointer;
    }

    private Optional<Path> cached(String repoId, String revision) throws HubException {
        Optional<String> commit = cache.commitFor(repoId, revision);
        if (commit.isEmpty()) {
            return Optional.empty();
        }
        Path snapshot = cache.snapshotDir(repoId, commit.get());
        return ModelFiles.missing(snapshot).isEmpty() ? Optional.of(snapshot) : Optional.empty();
    }

    private String offlineDetail(String repoId, String revision) throws HubException {
        Optional<String> commit = cache.commitFor(repoId, revision);
        if (commit.isEmpty()) {
            return Files.isDirectory(cache.repoDir(repoId)) ? " (the repository is cached, but not this revision)" : "";
        }
        return ModelFiles.missing(cache.snapshotDir(repoId, commit.get()))
                .map(m -> " (snapshot " + commit.get() + " lacks " + m + ")")
                .orElse("");
    }

    static boolean isCommit(String revision) {
        return COMMIT.matcher(revision).matches();
    }

    private static Path localPath(String value) {
        if (value.isEmpty()) {
            return null;
        }
        try {
            String home = System.getProperty("user.home");
            return value.equals("~")
                    ? Path.of(home)
                    : value.startsWith("~/") ? Path.of(home, value.substring(2)) : Path.of(value);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    private static boolean looksLikePath(String value) {
        return value.startsWith("/")
                || value.startsWith("./")
                || value.startsWith("../")
                || value.startsWith("~")
                || value.contains("\\")
                || value.chars().filter(c -> c == '/').count() > 1
                || value.equals(".");
    }

    private static String humanSize(long bytes) {
        return bytes >= 1 << 20 ? String.format("%.1f MiB", bytes / 1048576.0) : bytes + " bytes";
    }
}
