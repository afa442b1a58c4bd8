package io.nlistream.trainer.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A local stand-in for the Hugging Face Hub on 127.0.0.1, answering like huggingface.co does: the model-info API,
 * {@code /{repo}/resolve/{rev}/{file}} with {@code X-Repo-Commit}/{@code ETag} headers, a 302 to a separate "CDN"
 * server (another port, so another origin) with {@code X-Linked-Etag}/{@code X-Linked-Size} for LFS files, Range
 * requests on the CDN, and the Hub's 401/404 answers with {@code X-Error-Code}. Every request is logged.
 */
public final class FakeHub implements AutoCloseable {

    public record Request(String server, String method, String path, String authorization, String range) {}

    public record FileEntry(byte[] bytes, boolean lfs) {
        String sha256() {
            return hex("SHA-256", bytes);
        }

        /** Git's blob id, the ETag the Hub gives regular (non-LFS) files. */
        String gitSha1() {
            byte[] header = ("blob " + bytes.length + "\0").getBytes(StandardCharsets.US_ASCII);
            byte[] all = new byte[header.length + bytes.length];
            System.arraycopy(header, 0, all, 0, header.length);
            System.arraycopy(bytes, 0, all, header.length, bytes.length);
            return hex("SHA-1", all);
        }
    }

    private static final class Repo {
        final Map<String, String> refs = new ConcurrentHashMap<>();
        final Map<String, Map<String, FileEntry>> commits = new ConcurrentHashMap<>();
        String token;
        boolean gated;
    }

    private static final Pattern API = Pattern.compile("/api/models/([^/]+/[^/]+)/revision/([^/]+)");
    private static final Pattern RESOLVE = Pattern.compile("/([^/]+/[^/]+)/resolve/([^/]+)/(.+)");
    private static final Pattern CDN = Pattern.compile("/blobs/([0-9a-f]{64})");

    private final HttpServer hub;
    private final HttpServer cdn;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, FileEntry> cdnBlobs = new ConcurrentHashMap<>();
    private final List<Request> log = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger commitCounter = new AtomicInteger();
    private volatile int interruptNextAfter = -1;
    private volatile int flakyCut = -1;
    /** A raw socket "CDN" that sends a full-length header, part of the body, then drops the connection. */
    private final ServerSocket flaky;

    private volatile boolean corruptNext;

    public FakeHub() throws IOException {
        hub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        cdn = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hub.createContext("/", this::serveHub);
        cdn.createContext("/", this::serveCdn);
        hub.setExecutor(executor);
        cdn.setExecutor(executor);
        hub.start();
        cdn.start();
        flaky = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        executor.submit(this::acceptFlaky);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
    }

    static FileEntry regular(byte[] bytes) {
        return new FileEntry(bytes, false);
    }

    static FileEntry lfs(byte[] bytes) {
        return new FileEntry(bytes, true);
    }

    /** The files of a fixture directory, large binaries as LFS files as on the Hub. */
    public static Map<String, FileEntry> fixture(Path dir, String... names) throws IOException {
        Map<String, FileEntry> files = new LinkedHashMap<>();
        for (String name : names) {
            byte[] bytes = Files.readAllBytes(dir.resolve(name));
            boolean binary = name.endsWith(".safetensors")
                    || name.endsWith(".model")
                    || name.endsWith(".bin")
                    || bytes.length > 1_000_000;
            files.put(name, new FileEntry(bytes, binary));
        }
        return files;
    }

    /** Commits {@code files} as the new head of {@code ref}; returns the 40-hex commit id. */
    public String commit(String repoId, String ref, Map<String, FileEntry> files) {
        Repo repo = repos.computeIfAbsent(repoId, r -> new Repo());
        String commit = hex("SHA-1", (repoId + "#" + commitCounter.incrementAndGet()).getBytes(StandardCharsets.UTF_8));
        repo.commits.put(commit, new LinkedHashMap<>(files));
        repo.refs.put(ref, commit);
        files.values().stream().filter(FileEntry::lfs).forEach(f -> cdnBlobs.put(f.sha256(), f));
        return commit;
    }

    void tag(String repoId, String tag, String commit) {
        repos.get(repoId).refs.put(tag, commit);
    }

    /** Private: unknown to anyone without {@code token} (the Hub then answers 401 RepoNotFound). */
    void makePrivate(String repoId, String token) {
        repos.get(repoId).token = token;
    }

    /** Gated: listed publicly, files only with {@code token} (401 GatedRepo otherwise). */
    void makeGated(String repoId, String token) {
        repos.get(repoId).token = token;
        repos.get(repoId).gated = true;
    }

    /** The next CDN download sends its headers and {@code bytes} bytes of the body, then drops the connection. */
    void interruptNextDownloadAfter(int bytes) {
        interruptNextAfter = bytes;
    }

    /** The next CDN download flips one byte of the body. */
    void corruptNextDownload() {
        corruptNext = true;
    }

    public List<Request> requests() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    List<Request> requests(String server, String method) {
        return requests().stream()
                .filter(r -> r.server().equals(server) && r.method().equals(method))
                .collect(Collectors.toList());
    }

    void clearLog() {
        log.clear();
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
        try {
            flaky.close();
        } catch (IOException ignored) {
            // already closed
        }
        executor.shutdownNow();
    }

    private void serveHub(HttpExchange exchange) throws IOException {
        try (exchange) {
            record(exchange, "hub");
            String path = exchange.getRequestURI().getRawPath();
            Matcher api = API.matcher(path);
            Matcher resolve = RESOLVE.matcher(path);
            if (api.matches() && exchange.getRequestMethod().equals("GET")) {
                serveInfo(exchange, api.group(1), decode(api.group(2)));
            } else if (resolve.matches()) {
                serveResolve(exchange, resolve.group(1), decode(resolve.group(2)), decode(resolve.group(3)));
            } else {
                error(exchange, 404, null, "Not found");
            }
        }
    }

    private void serveInfo(HttpExchange exchange, String repoId, String revision) throws IOException {
        Repo repo = visibleRepo(exchange, repoId);
        if (repo == null) {
            return;
        }
        String commit = commitOf(repo, revision);
        if (commit == null) {
            error(exchange, 404, "RevisionNotFound", "Invalid rev id: " + revision);
            return;
        }
        String siblings = repo.commits.get(commit).keySet().stream()
                .map(f -> "{\"rfilename\":\"" + f + "\"}")
                .collect(Collectors.joining(","));
        byte[] body = ("{\"id\":\"" + repoId + "\",\"sha\":\"" + commit + "\",\"private\":"
                        + (repo.token != null && !repo.gated) + ",\"siblings\":[" + siblings + "]}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
    }

    private void serveResolve(HttpExchange exchange, String repoId, String revision, String file) throws IOException {
        Repo repo = visibleRepo(exchange, repoId);
        if (repo == null) {
            return;
        }
        if (repo.gated && !authorized(exchange, repo)) {
            error(
                    exchange,
                    401,
                    "GatedRepo",
                    "Access to model " + repoId + " is restricted. You must have access"
                            + " to it and be authenticated to access it. Please log in.");
            return;
        }
        String commit = commitOf(repo, revision);
        if (commit == null) {
            error(exchange, 404, "RevisionNotFound", "Invalid rev id: " + revision);
            return;
        }
        FileEntry entry = repo.commits.get(commit).get(file);
        if (entry == null) {
            error(exchange, 404, "EntryNotFound", file + " does not exist on \"" + revision + "\"");
            return;
        }
        var headers = exchange.getResponseHeaders();
        headers.set("X-Repo-Commit", commit);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        if (entry.lfs()) {
            headers.set(
                    "ETag",
                    "\""
                            + FakeHub.regular(("pointer " + entry.sha256()).getBytes(StandardCharsets.UTF_8))
                                    .gitSha1() + "\"");
            headers.set("X-Linked-Etag", "\"" + entry.sha256() + "\"");
            headers.set("X-Linked-Size", Long.toString(entry.bytes().length));
            int cut = interruptNextAfter;
            interruptNextAfter = -1;
            flakyCut = cut;
            int port = cut >= 0 ? flaky.getLocalPort() : cdn.getAddress().getPort();
            headers.set("Location", "http://127.0.0.1:" + port + "/blobs/" + entry.sha256() + "?X-Amz-Signature=test");
            exchange.sendResponseHeaders(302, -1);
            return;
        }
        headers.set("ETag", "W/\"" + entry.gitSha1() + "\"");
        if (head) {
            // the JDK server omits Content-Length on HEAD unless set by hand; the Hub sends it
            headers.set("Content-Length", Integer.toString(entry.bytes().length));
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        exchange.sendResponseHeaders(200, entry.bytes().length);
        exchange.getResponseBody().write(entry.bytes());
    }

    private void serveCdn(HttpExchange exchange) throws IOException {
        try (exchange) {
            record(exchange, "cdn");
            Matcher m = CDN.matcher(exchange.getRequestURI().getRawPath());
            FileEntry entry = m.matches() ? cdnBlobs.get(m.group(1)) : null;
            if (entry == null) {
                error(exchange, 404, null, "NoSuchKey");
                return;
            }
            byte[] bytes = entry.bytes().clone();
            if (corruptNext) {
                corruptNext = false;
                bytes[bytes.length / 2] ^= 0x5a;
            }
            int start = 0;
            String range = exchange.getRequestHeaders().getFirst("Range");
            if (range != null && range.matches("bytes=\\d+-")) {
                start = Integer.parseInt(range.substring(6, range.length() - 1));
                if (start >= bytes.length) {
                    exchange.getResponseHeaders().set("Content-Range", "bytes */" + bytes.length);
                    exchange.sendResponseHeaders(416, -1);
                    return;
                }
                exchange.getResponseHeaders()
                        .set("Content-Range", "bytes " + start + "-" + (bytes.length - 1) + "/" + bytes.length);
            }
            exchange.sendResponseHeaders(start > 0 ? 206 : 200, bytes.length - start);
            OutputStream body = exchange.getResponseBody();
            body.write(bytes, start, bytes.length - start);
        }
    }

    private void acceptFlaky() {
        while (!flaky.isClosed()) {
            try (Socket socket = flaky.accept()) {
                BufferedReader in =
                        new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
                String path = in.readLine().split(" ")[1].replaceFirst("\\?.*", "");
                String auth = null;
                String range = null;
                for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                    String lower = line.toLowerCase(Locale.ROOT);
                    auth = lower.startsWith("authorization:")
                            ? line.substring(14).trim()
                            : auth;
                    range = lower.startsWith("range:") ? line.substring(6).trim() : range;
                }
                log.add(new Request("cdn", "GET", path, auth, range));
                byte[] bytes = cdnBlobs.get(path.substring("/blobs/".length())).bytes();
                OutputStream out = socket.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + bytes.length
                                + "\r\nContent-Type: application/octet-stream\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(bytes, 0, flakyCut);
                out.flush();
                socket.shutdownOutput(); // FIN after the partial body: the client sees the stream end early
            } catch (IOException | RuntimeException e) {
                // closed by close(), or a client that went away
            }
        }
    }

    private Repo visibleRepo(HttpExchange exchange, String repoId) throws IOException {
        Repo repo = repos.get(repoId);
        if (repo == null || repo.token != null && !repo.gated && !authorized(exchange, repo)) {
            // the Hub does not tell a private repository from a missing one
            error(exchange, 401, "RepoNotFound", "Repository not found");
            return null;
        }
        return repo;
    }

    private static boolean authorized(HttpExchange exchange, Repo repo) {
        return ("Bearer " + repo.token).equals(exchange.getRequestHeaders().getFirst("Authorization"));
    }

    private static String commitOf(Repo repo, String revision) {
        if (repo.commits.containsKey(revision)) {
            return revision;
        }
        return repo.refs.get(revision);
    }

    private void record(HttpExchange exchange, String server) {
        log.add(new Request(
                server,
                exchange.getRequestMethod(),
                exchange.getRequestURI().getRawPath(),
                exchange.getRequestHeaders().getFirst("Authorization"),
                exchange.getRequestHeaders().getFirst("Range")));
    }

    private static void error(HttpExchange exchange, int status, String code, String message) throws IOException {
        if (code != null) {
            exchange.getResponseHeaders().set("X-Error-Code", code);
        }
        exchange.getResponseHeaders().set("X-Error-Message", message);
        byte[] body = ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            exchange.getResponseBody().write(body);
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    static String hex(String algorithm, byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
