package io.pulsemq.broker.http;

import io.pulsemq.broker.config.ListenerConfig;
import io.pulsemq.broker.limits.Limit;
import io.pulsemq.broker.limits.LimitHits;
import io.pulsemq.broker.transport.NettyTransport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HttpServerTest {

    private static final ListenerConfig LOOPBACK_ANY_PORT = new ListenerConfig("127.0.0.1", 0, null);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static NettyTransport transport;
    private static HttpClient client;
    private HttpServer server;

    @BeforeAll
    static void startTransport() {
        transport = new NettyTransport(1);
        client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    @AfterAll
    static void stopTransport() {
        transport.close();
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void health_get_answersUpAsJson() throws Exception {
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, new HttpRoutes());

        var response = client.send(get("/health"), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.body()).isEqualTo("{\"status\":\"UP\"}");
    }

    @Test
    void health_definedByRoutes_replacesDefault() throws Exception {
        HttpRoutes routes = new HttpRoutes()
                .get("/health", RouteHandler.of(r -> HttpResponse.json(503, Map.of("status", "DOWN"))));
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, routes);

        var response = client.send(get("/health"), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).isEqualTo("{\"status\":\"DOWN\"}");
    }

    @Test
    void unknownPath_answers404Json() throws Exception {
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, new HttpRoutes());

        var response = client.send(get("/api/v1/nothing"), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).isEqualTo("{\"error\":\"not_found\",\"message\":\"No resource at /api/v1/nothing\"}");
    }

    @Test
    void wrongMethod_answers405WithAllow() throws Exception {
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, new HttpRoutes());

        var response = client.send(request("/health").POST(BodyPublishers.ofString("{}")).build(), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("allow")).hasValue("GET, HEAD");
        assertThat(response.body()).startsWith("{\"error\":\"method_not_allowed\",");
    }

    @Test
    void route_receivesDecodedPathQueryHeadersAndBody() throws Exception {
        CompletableFuture<HttpRequest> seen = new CompletableFuture<>();
        HttpRoutes routes = new HttpRoutes().post("/api/v1/clients/{clientId}/disconnect", RouteHandler.of(r -> {
            seen.complete(r);
            return HttpResponse.json(200, Map.of("ok", true));
        }));
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, routes);

        var response = client.send(request("/api/v1/clients/GID_a%40%40%40dev+1%2Fx/disconnect?reason=a+b&x=1&x=2")
                .header("X-Trace", "t1").POST(BodyPublishers.ofString("hello")).build(), BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        HttpRequest r = seen.get(10, TimeUnit.SECONDS);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.pathParam("clientId")).isEqualTo("GID_a@@@dev+1/x");
        assertThat(r.queryParam("reason")).hasValue("a b");
        assertThat(r.queryParams().get("x")).containsExactly("1", "2");
        assertThat(r.header("x-trace")).hasValue("t1");
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(r.remoteAddress().getAddress().isLoopbackAddress()).isTrue();
    }

    @Test
    void handlerThrowing_answers500WithoutDetailsAndKeepsConnection() throws Exception {
        HttpRoutes routes = new HttpRoutes().get("/boom", r -> {
            throw new IllegalStateException("secret detail");
        });
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, routes);

        try (RawConnection c = new RawConnection(server.port())) {
            c.send("GET /boom HTTP/1.1\r\nHost: x\r\n\r\n");
            RawResponse failed = c.read();
            c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
            RawResponse health = c.read();

            assertThat(failed.status()).isEqualTo(500);
            assertThat(failed.body()).isEqualTo("{\"error\":\"internal_error\",\"message\":\"Internal server error\"}");
            assertThat(health.status()).isEqualTo(200);
        }
    }

    @Test
    void keepAlive_severalRequestsOnOneConnection_allAnswered() throws Exception {
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, new HttpRoutes());

        try (RawConnection c = new RawConnection(server.port())) {
            for (int i = 0; i < 3; i++) {
                c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
                RawResponse response = c.read();
                assertThat(response.status()).isEqualTo(200);
                assertThat(response.headers()).doesNotContainEntry("connection", "close");
            }
        }
    }

    @Test
    void connectionClose_answersThenCloses() throws Exception {
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, new HttpRoutes());

        try (RawConnection c = new RawConnection(server.port())) {
            c.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            RawResponse response = c.read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.headers()).containsEntry("connection", "close");
            assertThat(c.atEndOfStream()).isTrue();
        }
    }

    @Test
    void http10WithoutKeepAlive_isClosedAfterAnswer() throws Exception {
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, new HttpRoutes());

        try (RawConnection c = new RawConnection(server.port())) {
            c.send("GET /health HTTP/1.0\r\n\r\n");

            assertThat(c.read().status()).isEqualTo(200);
            assertThat(c.atEndOfStream()).isTrue();
        }
    }

    @Test
    void pipelinedRequests_slowFirst_answeredInRequestOrder() throws Exception {
        CompletableFuture<HttpResponse> slow = new CompletableFuture<>();
        CountDownLatch fastHandled = new CountDownLatch(1);
        HttpRoutes routes = new HttpRoutes()
                .get("/slow", r -> slow)
                .get("/fast", RouteHandler.of(r -> {
                    fastHandled.countDown();
                    return HttpResponse.json(200, Map.of("name", "fast"));
                }));
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, routes);

        try (RawConnection c = new RawConnection(server.port())) {
            c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(fastHandled.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture.runAsync(() -> slow.complete(HttpResponse.json(200, Map.of("name", "slow"))));

            assertThat(c.read().body()).isEqualTo("{\"name\":\"slow\"}");
            assertThat(c.read().body()).isEqualTo("{\"name\":\"fast\"}");
        }
    }

    @Test
    void head_answersGetHeadersWithoutBody() throws Exception {
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, new HttpRoutes());

        var response = client.send(request("/health").method("HEAD", BodyPublishers.noBody()).build(),
                BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-length")).hasValue("15");
        assertThat(response.body()).isEmpty();
    }

    @Test
    void bodyOverLimit_answers413JsonAndCloses() throws Exception {
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, new HttpRoutes().post("/echo",
                RouteHandler.of(r -> HttpResponse.json(200, Map.of()))), smallLimits());

        try (RawConnection c = new RawConnection(server.port())) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + "a".repeat(100));
            RawResponse response = c.read();

            assertThat(response.status()).isEqualTo(413);
            assertThat(response.body()).isEqualTo("{\"error\":\"payload_too_large\",\"message\":\"Request body too large\"}");
            assertThat(c.atEndOfStream()).isTrue();
        }
    }

    @Test
    void expectContinueOverLimit_answers413JsonBeforeBody() throws Exception {
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, new HttpRoutes().post("/echo",
                RouteHandler.of(r -> HttpResponse.json(200, Map.of()))), smallLimits());

        try (RawConnection c = new RawConnection(server.port())) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n");

            RawResponse response = c.read();
            assertThat(response.status()).isEqualTo(413);
            assertThat(response.body()).startsWith("{\"error\":\"payload_too_large\"");
        }
    }

    @Test
    void malformedRequestLine_answers400JsonAndCloses() throws Exception {
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, new HttpRoutes());

        try (RawConnection c = new RawConnection(server.port())) {
            c.send("THIS IS NOT HTTP\r\n\r\n");
            RawResponse response = c.read();

            assertThat(response.status()).isEqualTo(400);
            assertThat(response.body()).isEqualTo("{\"error\":\"bad_request\",\"message\":\"Malformed HTTP request\"}");
            assertThat(c.atEndOfStream()).isTrue();
        }
    }

    @Test
    void headersOverLimit_answers431Json() throws Exception {
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, new HttpRoutes(), smallLimits());

        try (RawConnection c = new RawConnection(server.port())) {
            c.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(600) + "\r\n\r\n");

            RawResponse response = c.read();
            assertThat(response.status()).isEqualTo(431);
            assertThat(response.body()).startsWith("{\"error\":\"headers_too_large\"");
        }
    }

    @Test
    void requestHeadTrickledPastHeaderTimeout_answers408JsonAndCloses() throws Exception {
        LimitHits hits = new LimitHits();
        HttpServer.Limits limits = new HttpServer.Limits(64, 256, 512, Duration.ofSeconds(30), 4, Duration.ofMillis(300));
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, new HttpRoutes(), limits, null, hits);

        try (RawConnection c = new RawConnection(server.port())) {
            // a slowloris: a head that starts and never ends; each byte would keep an idle timeout from firing
            c.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ");
            RawResponse response = c.read();

            assertThat(response.status()).isEqualTo(408);
            assertThat(response.body()).startsWith("{\"error\":\"request_timeout\"");
            assertThat(c.atEndOfStream()).isTrue();
        }
        assertThat(hits.count(Limit.HTTP_HEADER_TIMEOUT)).isEqualTo(1);
    }

    @Test
    void limitsOverrun_areCountedByLimit() throws Exception {
        LimitHits hits = new LimitHits();
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, new HttpRoutes().post("/echo",
                RouteHandler.of(r -> HttpResponse.json(200, Map.of()))), smallLimits(), null, hits);

        try (RawConnection c = new RawConnection(server.port())) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + "a".repeat(100));
            assertThat(c.read().status()).isEqualTo(413);
        }
        try (RawConnection c = new RawConnection(server.port())) {
            c.send("GET /" + "u".repeat(300) + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(414);
        }
        try (RawConnection c = new RawConnection(server.port())) {
            c.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(600) + "\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(431);
        }
        assertThat(hits.count(Limit.HTTP_MAX_BODY_SIZE)).isEqualTo(1);
        assertThat(hits.count(Limit.HTTP_MAX_INITIAL_LINE_LENGTH)).isEqualTo(1);
        assertThat(hits.count(Limit.HTTP_MAX_HEADER_SIZE)).isEqualTo(1);
    }

    @Test
    void close_stopsAcceptingAndIsIdempotent() throws Exception {
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, new HttpRoutes());
        int port = server.port();

        server.close();
        server.close();

        assertThat(port).isPositive();
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void start_portTaken_failsNamingAddress() throws Exception {
        server = HttpServer.start(LOOPBACK_ANY_PORT, transport, new HttpRoutes());
        ListenerConfig taken = new ListenerConfig("127.0.0.1", server.port(), null);

        assertThatThrownBy(() -> HttpServer.start(taken, transport, new HttpRoutes()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("127.0.0.1:" + server.port());
    }

    private static HttpServer.Limits smallLimits() {
        return new HttpServer.Limits(64, 256, 512, Duration.ofSeconds(30), 4);
    }

    private java.net.http.HttpRequest get(String path) {
        return request(path).GET().build();
    }

    private java.net.http.HttpRequest.Builder request(String path) {
        return java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).timeout(TIMEOUT);
    }

    private record RawResponse(int status, Map<String, String> headers, String body) {
    }

    /** A plain socket, for what HttpClient will not send: pipelining, malformed requests, exact connection use. */
    private static final class RawConnection implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        RawConnection(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        RawResponse read() throws IOException {
            String statusLine = line();
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line = line(); !line.isEmpty(); line = line()) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            byte[] body = in.readNBytes(length);
            return new RawResponse(Integer.parseInt(statusLine.split(" ")[1]), headers,
                    new String(body, StandardCharsets.UTF_8));
        }

        boolean atEndOfStream() throws IOException {
            return in.read() == -1;
        }

        private String line() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != '\n') {
                if (b == -1) {
                    throw new IOException("connection closed mid-response");
                }
                if (b != '\r') {
                    line.write(b);
                }
            }
            return line.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
