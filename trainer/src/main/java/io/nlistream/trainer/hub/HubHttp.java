package io.nlistream.trainer.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The Hub's HTTP surface: {@code /api/models/{repo}/revision/{rev}} (commit and file list),
 * {@code HEAD /{repo}/resolve/{rev}/{file}} (commit, ETag, size; a 302 to the CDN for LFS files, whose
 * {@code X-Linked-Etag} is the sha256) and the download itself: into {@code <blob>.incomplete}, resumed with a
 * Range request after an interruption, verified (size, and sha256 for LFS files), then moved into place atomically.
 * The token goes only to the Hub's own host, never to the CDN a redirect points at.
 */
final class HubHttp {

    /** What a HEAD of a file says: the commit it belongs to, its blob name and size, and where to GET it. */
    record FileMetadata(String commit, String etag, long size, URI location, boolean lfs) {}

    /** A revision's commit and the files it holds. */
    record RepoInfo(String commit, List<String> files) {}

    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_REDIRECTS = 10;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern CONTENT_RANGE_START = Pattern.compile("bytes (\\d+)-");
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "hub-download-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final HubOptions options;
    private final HttpClient client;

    HubHttp(HubOptions options) {
        this.options = options;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(15))
                .followRedirects(HttpClient.Redirect.NEVER) // followed by hand, to keep the token off the CDN
                .build();
    }

    RepoInfo repoInfo(String repoId, String revision) throws HubException {
        URI uri = URI.create(options.endpoint() + "/api/models/" + repoId + "/revision/" + encode(revision));
        HttpResponse<byte[]> response = send("GET", uri, Map.of(), HttpResponse.BodyHandlers.ofByteArray(), true);
        if (response.statusCode() != 200) {
            throw statusError(response.statusCode(), response.headers(), uri, repoId, revision, null);
        }
        try {
            JsonNode info = JSON.readTree(response.body());
            String commit = info.path("sha").asText(null);
            List<String> files = new ArrayList<>();
            info.path("siblings").forEach(s -> files.add(s.path("rfilename").asText()));
            if (commit == null || !info.has("siblings")) {
                throw new IOException("no 'sha' or 'siblings' field");
            }
            return new RepoInfo(commit, files);
        } catch (IOException e) {
            throw new HubException(uri + " did not answer like the Hugging Face Hub API (" + e.getMessage()
                    + "): check HF_ENDPOINT (now " + options.endpoint() + ")");
        }
    }

    FileMetadata head(String repoId, String revision, String filename) throws HubException {
        URI uri = resolveUri(repoId, revision, filename);
        HttpResponse<Void> response =
                send("HEAD", uri, Map.of("Accept-Encoding", "identity"), HttpResponse.BodyHandlers.discarding(), false);
        int status = response.statusCode();
        if (status >= 400 || status < 200) {
            throw statusError(status, response.headers(), uri, repoId, revision, filename);
        }
        HttpHeaders h = response.headers();
        Optional<String> linkedEtag = h.firstValue("X-Linked-Etag");
        String etag = normalizeEtag(linkedEtag.or(() -> h.firstValue("ETag")).orElse(null));
        String commit = h.firstValue("X-Repo-Commit").orElse(null);
        if (etag == null || commit == null) {
            throw new HubException(uri + " answered without " + (etag == null ? "an ETag" : "X-Repo-Commit")
                    + ": is HF_ENDPOINT (" + options.endpoint() + ") a Hugging Face Hub?");
        }
        long size = h.firstValueAsLong("X-Linked-Size")
                .orElse(h.firstValueAsLong("Content-Length").orElse(-1));
        URI location = status >= 300 ? uri.resolve(h.firstValue("Location").orElseThrow()) : uri;
        return new FileMetadata(commit, etag, size, location, linkedEtag.isPresent());
    }

    /**
     * Fetches a file into {@code blob}. Holds {@code lock} meanwhile so concurrent processes download it once; a
     * previous run's {@code .incomplete} part is resumed. Nothing reaches {@code blob} unless it verified.
     */
    void download(FileMetadata meta, String filename, Path blob, Path lock) throws HubException {
        Path incomplete = blob.resolveSibling(blob.getFileName() + ".incomplete");
        try {
            Files.createDirectories(blob.getParent());
            Files.createDirectories(lock.getParent());
        } catch (IOException e) {
            throw new HubException("cannot create the cache folder " + blob.getParent() + ": " + e.getMessage());
        }
        try (FileChannel lockChannel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = lockChannel.lock()) {
            if (Files.exists(blob)) {
                return; // another process finished it while we waited
            }
            fetch(meta, filename, incomplete, true);
            verify(meta, filename, incomplete);
            Files.move(incomplete, blob, StandardCopyOption.ATOMIC_MOVE);
        } catch (HubException e) {
            throw e;
        } catch (IOException e) {
            throw new HubException(
                    "cannot write " + filename + " into the cache (" + blob.getParent() + "): " + e.getMessage());
        }
    }

    private void fetch(FileMetadata meta, String filename, Path incomplete, boolean mayResume) throws IOException {
        long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
        if (meta.size() >= 0 && have > meta.size()) {
            Files.delete(incomplete);
            have = 0;
        }
        if (meta.size() >= 0 && have == meta.size() && have > 0) {
            return; // complete part from a run that stopped before verifying
        }
        Map<String, String> headers = have > 0
                ? Map.of("Accept-Encoding", "identity", "Range", "bytes=" + have + "-")
                : Map.of("Accept-Encoding", "identity");
        HttpResponse<InputStream> response =
                send("GET", meta.location(), headers, HttpResponse.BodyHandlers.ofInputStream(), true);
        int status = response.statusCode();
        if (status == 416 && mayResume) {
            response.body().close();
            Files.deleteIfExists(incomplete);
            fetch(meta, filename, incomplete, false);
            return;
        }
        boolean append = status == 206 && have > 0 && rangeStart(response.headers()) == have;
        if (status != 200 && !append) {
            response.body().close();
            if (status == 206) {
                throw new HubException("the server answered a resumed download of " + filename
                        + " with the wrong range; delete " + incomplete + " and retry");
            }
            throw statusError(status, response.headers(), meta.location(), null, meta.commit(), filename);
        }
        long start = append ? have : 0;
        long written = start;
        StallWatch watch = new StallWatch(response.body());
        try (InputStream body = response.body();
                OutputStream out = Files.newOutputStream(
                        incomplete,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
                ProgressBar bar = progressBar(filename, meta.size(), start)) {
            byte[] buffer = new byte[1 << 16];
            for (int n = body.read(buffer); n >= 0; n = body.read(buffer)) {
                out.write(buffer, 0, n);
                written += n;
                watch.progressed();
                if (bar != null) {
                    bar.stepTo(written);
                }
            }
        } catch (IOException e) {
            throw interrupted(filename, meta, written, describe(e), e);
        } finally {
            watch.stop();
        }
        if (watch.stalled() || meta.size() >= 0 && written < meta.size()) {
            throw interrupted(
                    filename,
                    meta,
                    written,
                    watch.stalled() ? "no data for " + STALL_TIMEOUT.toSeconds() + " s" : "the connection closed early",
                    null);
        }
    }

    /** The partial file stays as {@code .incomplete} (never a blob or snapshot entry) for the next run to resume. */
    private static HubException interrupted(
            String filename, FileMetadata meta, long written, String why, Throwable cause) {
        return new HubException(
                "the download of " + filename + " from " + meta.location().getHost()
                        + " was interrupted after " + written + (meta.size() >= 0 ? " of " + meta.size() : "")
                        + " bytes (" + why
                        + "). Nothing incomplete was put in the cache; run the command again to resume,"
                        + " or set HF_HUB_OFFLINE=1 / pass a local model directory to work offline.",
                cause,
                true);
    }

    /** Closes a response body that delivers nothing for {@link #STALL_TIMEOUT}: the JDK client has no read timeout. */
    private static final class StallWatch {
        private final ScheduledFuture<?> task;
        private volatile long lastProgress = System.nanoTime();
        private volatile boolean stalled;

        StallWatch(InputStream body) {
            task = WATCHDOG.scheduleWithFixedDelay(
                    () -> {
                        if (System.nanoTime() - lastProgress > STALL_TIMEOUT.toNanos()) {
                            stalled = true;
                            try {
                                body.close();
                            } catch (IOException ignored) {
                                // closing is all we can do; the reader sees the end of the stream
                            }
                        }
                    },
                    1,
                    1,
                    TimeUnit.SECONDS);
        }

        void progressed() {
            lastProgress = System.nanoTime();
        }

        boolean stalled() {
            return stalled;
        }

        void stop() {
            task.cancel(false);
        }
    }

    private void verify(FileMetadata meta, String filename, Path file) throws IOException {
        long size = Files.size(file);
        if (meta.size() >= 0 && size != meta.size()) {
            Files.delete(file);
            throw new HubException("the download of " + filename + " has " + size + " bytes but the Hub announced "
                    + meta.size() + "; it was discarded, run the command again");
        }
        if (meta.lfs() && SHA256.matcher(meta.etag()).matches()) {
            String actual = sha256(file);
            if (!actual.equals(meta.etag())) {
                Files.delete(file);
                throw new HubException("the download of " + filename + " is corrupt (sha256 " + actual + ", expected "
                        + meta.etag() + "); it was discarded, run the command again");
            }
        }
    }

    private ProgressBar progressBar(String filename, long size, long start) {
        if (!options.progress() || size < HubOptions.PROGRESS_MIN_BYTES) {
            return null;
        }
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(filename)
                .setInitialMax(size)
                .setUnit("MiB", 1 << 20)
                .showSpeed()
                .setUpdateIntervalMillis(500)
                .setStyle(System.console() == null ? ProgressBarStyle.ASCII : ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .build();
        bar.stepTo(start);
        return bar;
    }

    /** Sends one request, following redirects by hand; with {@code followAbsolute} false only relative ones. */
    private <T> HttpResponse<T> send(
            String method, URI uri, Map<String, String> headers, BodyHandler<T> handler, boolean followAbsolute)
            throws HubException {
        URI current = uri;
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(current)
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .header("User-Agent", "nli-stream-trainer (java.net.http)");
            if (!method.equals("GET") || current.getPath().startsWith("/api/")) {
                request.timeout(METADATA_TIMEOUT);
            }
            if (options.token() != null && sameOrigin(current, options.endpoint())) {
                request.header("Authorization", "Bearer " + options.token());
            }
            headers.forEach(request::header);
            HttpResponse<T> response;
            try {
                response = client.send(request.build(), handler);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HubException("interrupted while talking to " + current.getHost(), e, true);
            } catch (IOException e) {
                throw new HubException(
                        "Cannot reach " + current.getScheme() + "://" + current.getAuthority() + " ("
                                + describe(e)
                                + "). To work without the network, set HF_HUB_OFFLINE=1 to use models already"
                                + " in the cache (" + options.cacheDir()
                                + "), or pass a local model directory to --model.",
                        e,
                        true);
            }
            Optional<String> location = response.headers().firstValue("Location");
            int status = response.statusCode();
            boolean redirect = status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
            if (!redirect || location.isEmpty() || hop >= MAX_REDIRECTS) {
                return response;
            }
            boolean relative = !URI.create(location.get()).isAbsolute();
            if (!relative && !followAbsolute) {
                return response;
            }
            if (response.body() instanceof InputStream stream) {
                try {
                    stream.close();
                } catch (IOException ignored) {
                    // the redirect's body is not needed
                }
            }
            current = current.resolve(location.get());
        }
    }

    private HubException statusError(
            int status, HttpHeaders headers, URI uri, String repoId, String revision, String filename) {
        String code = headers.firstValue("X-Error-Code").orElse("");
        String endpoint = options.endpoint().toString();
        String repo = repoId == null ? "the repository" : "'" + repoId + "'";
        String repoUrl = repoId == null ? endpoint : endpoint + "/" + repoId;
        boolean hasToken = options.token() != null;
        String tokenHint = hasToken
                ? " The token in HF_TOKEN was sent: check that its account can read " + repo + "."
                : " If it is private or gated, set HF_TOKEN to an access token that can read it (" + endpoint
                        + "/settings/tokens).";
        String message = switch (code) {
            case "RepoNotFound" ->
                "Repository " + repo + " was not found on " + endpoint + ": check the model id." + tokenHint;
            case "GatedRepo" ->
                repo + " is gated: accept its conditions at " + repoUrl
                        + (hasToken
                                ? " with the account of HF_TOKEN."
                                : " and set HF_TOKEN to an access token of that account.");
            case "RevisionNotFound" ->
                "Revision '" + revision + "' was not found in " + repo
                        + ": use a branch, a tag or a full commit hash (default: main).";
            case "EntryNotFound" ->
                "File '" + filename + "' was not found in " + repo + " at revision '" + revision + "'.";
            default ->
                switch (status) {
                    case 401 ->
                        hasToken
                                ? "The Hub rejected the token in HF_TOKEN for " + repo
                                        + " (401 Unauthorized): it may be" + " invalid or expired; create a new one at "
                                        + endpoint + "/settings/tokens."
                                : "The Hub refused access to " + repo + " (401 Unauthorized): it is private or gated."
                                        + tokenHint;
                    case 403 ->
                        "The Hub forbids access to " + repo + " (403 Forbidden): the token in HF_TOKEN lacks"
                                + " permission, or the repository is gated and its conditions are not accepted at "
                                + repoUrl + ".";
                    case 404 ->
                        repo + " or revision '" + revision + "' was not found on " + endpoint + " (404)." + tokenHint;
                    case 429 ->
                        "The Hub is rate-limiting requests (429): wait a minute and retry"
                                + (hasToken ? "." : ", or set HF_TOKEN (authenticated requests get higher limits).");
                    default ->
                        "The Hub answered HTTP " + status + " for " + uri
                                + (status >= 500
                                        ? ": a server-side problem; retry later, or set HF_HUB_OFFLINE=1 to use"
                                                + " the cache."
                                        : ".");
                };
        };
        String serverMessage = headers.firstValue("X-Error-Message")
                .map(m -> " (Hub: " + m + ")")
                .orElse("");
        return new HubException(message + serverMessage);
    }

    private URI resolveUri(String repoId, String revision, String filename) {
        StringBuilder path = new StringBuilder();
        for (String part : filename.split("/")) {
            path.append('/').append(encode(part));
        }
        return URI.create(options.endpoint() + "/" + repoId + "/resolve/" + encode(revision) + path);
    }

    /** Percent-encodes everything but RFC 3986's unreserved characters (so a revision's '/' becomes %2F). */
    static String encode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 128 && (Character.isLetterOrDigit(c) || c == '-' || c == '.' || c == '_' || c == '~')) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    /** {@code W/"abc"} and {@code "abc"} both name blob {@code abc}. */
    static String normalizeEtag(String etag) {
        if (etag == null) {
            return null;
        }
        String e = etag.startsWith("W/") ? etag.substring(2) : etag;
        return e.replace("\"", "");
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    private static long rangeStart(HttpHeaders headers) {
        Matcher m =
                CONTENT_RANGE_START.matcher(headers.firstValue("Content-Range").orElse(""));
        return m.lookingAt() ? Long.parseLong(m.group(1)) : -1;
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of()
                    .formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }
}
