package io.nlistream.deploy.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.nlistream.deploy.RepoPaths;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs the image's HEALTHCHECK script against a local HTTP server answering like SmallRye Health. */
class HealthcheckScriptTest {
    private HttpServer server;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/q/health/ready", exchange -> respond(exchange, 200, "{\"status\":\"UP\"}"));
        server.createContext("/q/health/live", exchange -> respond(exchange, 503, "{\"status\":\"DOWN\"}"));
        server.start();
    }

    private static void respond(com.sun.net.httpserver.HttpExchange exchange, int status, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static int run(int port, String path) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                        "bash", RepoPaths.resolve("docker/healthcheck.sh").toString(), path)
                .redirectErrorStream(true);
        builder.environment().put("NLI_HEALTHCHECK_PORT", Integer.toString(port));
        Process process = builder.start();
        assertThat(process.waitFor(20, TimeUnit.SECONDS))
                .as("healthcheck finished")
                .isTrue();
        return process.exitValue();
    }

    @Test
    void healthyOnlyOn200() throws Exception {
        int port = server.getAddress().getPort();

        assertThat(run(port, "/q/health/ready")).isZero();
        assertThat(run(port, "/q/health/live")).as("503 DOWN").isEqualTo(1);
        assertThat(run(port, "/q/health/started")).as("404").isEqualTo(1);
    }

    @Test
    void unhealthyWhenNothingListens() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }

        assertThat(run(closedPort, "/q/health/ready")).isNotZero();
    }
}
