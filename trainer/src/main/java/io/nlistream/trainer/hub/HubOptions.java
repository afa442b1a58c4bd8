package io.nlistream.trainer.hub;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How {@link HubClient} reaches the Hugging Face Hub and where it caches, read from the same environment variables
 * as huggingface_hub so both share one cache: {@code HF_ENDPOINT}, {@code HF_TOKEN}, {@code HF_HOME},
 * {@code HF_HUB_CACHE}, {@code HF_HUB_OFFLINE}, {@code HF_HUB_DISABLE_PROGRESS_BARS}.
 *
 * @param endpoint the Hub's base URL, without a trailing slash
 * @param cacheDir the hub cache root (holds {@code models--org--name/})
 * @param token a user access token sent as {@code Authorization: Bearer}, or null
 * @param revision branch, tag or commit to resolve when the model id does not name one ({@code id@revision})
 * @param offline resolve from the cache only, never touching the network
 * @param progress show a progress bar (on stderr) for files of {@link #PROGRESS_MIN_BYTES} or more
 */
public record HubOptions(
        URI endpoint, Path cacheDir, String token, String revision, boolean offline, boolean progress) {

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    public static final String DEFAULT_REVISION = "main";
    static final long PROGRESS_MIN_BYTES = 10L << 20;
    private static final Set<String> TRUE = Set.of("1", "on", "yes", "true");

    public HubOptions {
        String base = endpoint.toString();
        endpoint = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
        revision = revision == null || revision.isBlank() ? DEFAULT_REVISION : revision;
        token = token == null || token.isBlank() ? null : token.trim();
    }

    /** Options from this process's environment and {@code user.home}. */
    public static HubOptions fromEnvironment() {
        return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /** Options from {@code env} as huggingface_hub reads it; {@code home} stands for {@code ~}. */
    public static HubOptions fromEnvironment(Map<String, String> env, Path home) {
        Path cacheHome = nonBlank(env.get("XDG_CACHE_HOME")) != null
                ? Path.of(env.get("XDG_CACHE_HOME"))
                : home.resolve(".cache");
        Path hfHome = nonBlank(env.get("HF_HOME")) != null
                ? expandHome(env.get("HF_HOME"), home)
                : cacheHome.resolve("huggingface");
        String hubCache = firstNonBlank(env.get("HF_HUB_CACHE"), env.get("HUGGINGFACE_HUB_CACHE"));
        Path cacheDir = hubCache != null ? expandHome(hubCache, home) : hfHome.resolve("hub");
        String token = firstNonBlank(env.get("HF_TOKEN"), env.get("HUGGING_FACE_HUB_TOKEN"));
        if (token == null) {
            String tokenPath = nonBlank(env.get("HF_TOKEN_PATH"));
            token = readTokenFile(tokenPath != null ? expandHome(tokenPath, home) : hfHome.resolve("token"));
        }
        String endpoint = firstNonBlank(env.get("HF_ENDPOINT"), DEFAULT_ENDPOINT);
        return new HubOptions(
                URI.create(endpoint),
                cacheDir,
                token,
                DEFAULT_REVISION,
                isTrue(env.get("HF_HUB_OFFLINE")),
                !isTrue(env.get("HF_HUB_DISABLE_PROGRESS_BARS")));
    }

    public HubOptions withRevision(String newRevision) {
        return new HubOptions(endpoint, cacheDir, token, newRevision, offline, progress);
    }

    public HubOptions withOffline(boolean newOffline) {
        return new HubOptions(endpoint, cacheDir, token, revision, newOffline, progress);
    }

    public HubOptions withProgress(boolean newProgress) {
        return new HubOptions(endpoint, cacheDir, token, revision, offline, newProgress);
    }

    @Override
    public String toString() {
        // never print the token
        return "HubOptions[endpoint=" + endpoint + ", cacheDir=" + cacheDir + ", token="
                + (token == null ? "unset" : "set") + ", revision=" + revision + ", offline=" + offline + ", progress="
                + progress + "]";
    }

    private static boolean isTrue(String value) {
        return value != null && TRUE.contains(value.trim().toLowerCase(Locale.ROOT));
    }

    private static String readTokenFile(Path file) {
        try {
            return Files.isRegularFile(file)
                    ? nonBlank(Files.readString(file, StandardCharsets.UTF_8).trim())
                    : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static Path expandHome(String path, Path home) {
        return path.equals("~") ? home : path.startsWith("~/") ? home.resolve(path.substring(2)) : Path.of(path);
    }

    private static String firstNonBlank(String first, String second) {
        return nonBlank(first) != null ? first.trim() : nonBlank(second);
    }

    private static String nonBlank(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
