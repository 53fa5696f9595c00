package io.pulsemq.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.sdk.StatusApiException.UnauthorizedException;
import io.pulsemq.sdk.internal.Json;
import io.pulsemq.sdk.internal.Threads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The client against a scripted HTTP server (the JDK's): batching, retries, error mapping, threads. */
class StatusClientTest {

    private static final RetryPolicy FAST = new RetryPolicy(3, new Backoff(Duration.ofMillis(1), Duration.ofMillis(5), 2, 0.5));

    private HttpServer server;
    private StatusClient client;
    private final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final AtomicInteger calls = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/clients/status", this::batch);
        server.createContext("/api/v1/clients/", this::single);
        server.start();
        client = StatusClient.builder().baseUrl("http://127.0.0.1:" + server.getAddress().getPort() + "/")
                .accessKey("AK").secretKey("secret").retryPolicy(FAST).build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.stop(0);
    }

    /** Answers each chunk with its own revision: 100 for the first call, 90 for the second, 95 after. */
    private void batch(HttpExchange x) throws IOException {
        int n = calls.incrementAndGet();
        if (failuresLeft.getAndDecrement() > 0) {
            send(x, 503, "{\"error\":\"unavailable\",\"message\":\"busy\"}");
            return;
        }
        JsonNode ids = Json.tree(x.getRequestBody().readAllBytes()).get("clientIds");
        batchSizes.add(ids.size());
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("revision", n == 1 ? 100 : n == 2 ? 90 : 95);
        ArrayNode statuses = body.putArray("statuses");
        for (JsonNode id : ids) {
            statuses.addPOJO(ClientStatus.unknown(id.asText()));
        }
        send(x, 200, Json.MAPPER.writeValueAsString(body));
    }

    private void single(HttpExchange x) throws IOException {
        calls.incrementAndGet();
        if (x.getRequestURI().getPath().endsWith("/disconnect")) {
            send(x, 503, "{\"error\":\"unavailable\",\"message\":\"busy\"}");
        } else {
            send(x, 401, "{\"error\":\"unauthorized\",\"message\":\"unknown access key or wrong secret\"}");
        }
    }

    private static void send(HttpExchange x, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(status, bytes.length);
        x.getResponseBody().write(bytes);
        x.close();
    }

    @Test
    void statuses_2500Ids_areThreeCallsOfAtMost1000_inRequestOrder_withTheMinimumRevision() {
        List<String> ids = IntStream.range(0, 2500).mapToObj(i -> "G@@@d" + (2500 - i)).collect(Collectors.toList());

        Statuses answer = client.statuses(ids);

        assertThat(batchSizes).containsExactly(1000, 1000, 500);
        assertThat(answer.statuses()).extracting(ClientStatus::clientId).containsExactlyElementsOf(ids);
        assertThat(answer.revision()).isEqualTo(90);
    }

    @Test
    void statuses_empty_makesNoCall() {
        assertThat(client.statuses(List.of()).statuses()).isEmpty();
        assertThat(calls).hasValue(0);
    }

    @Test
    void idempotentQuery_503Twice_isRetriedAndSucceeds() {
        failuresLeft.set(2);

        Statuses answer = client.statuses(List.of("G@@@a"));

        assertThat(answer.statuses()).hasSize(1);
        assertThat(calls).hasValue(3);
    }

    @Test
    void idempotentQuery_503BeyondTheAttempts_throwsWithStatusAndCode() {
        failuresLeft.set(5);

        assertThatThrownBy(() -> client.statuses(List.of("G@@@a")))
                .isInstanceOfSatisfying(StatusApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.errorCode()).isEqualTo("unavailable");
                });
        assertThat(calls).hasValue(3);
    }

    @Test
    void kick_isNotRetried() {
        assertThatThrownBy(() -> client.kick("G@@@a")).isInstanceOf(StatusApiException.class);
        assertThat(calls).hasValue(1);
    }

    @Test
    void wrongKey_isUnauthorized_notRetried() {
        assertThatThrownBy(() -> client.status("G@@@a"))
                .isInstanceOfSatisfying(UnauthorizedException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo("unauthorized");
                    assertThat(e.getMessage()).contains("wrong secret");
                });
        assertThat(calls).hasValue(1);
    }

    @Test
    void brokerDown_isApiUnavailable_afterTheRetries() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (StatusClient down = StatusClient.builder().baseUrl("http://127.0.0.1:" + closedPort)
                .accessKey("AK").secretKey("s").retryPolicy(FAST).build()) {
            assertThatThrownBy(() -> down.status("G@@@a"))
                    .isInstanceOf(ApiUnavailableException.class)
                    .hasMessageContaining("127.0.0.1:" + closedPort);
        }
    }

    @Test
    void close_leavesNoSdkThreads() {
        client.statuses(List.of("G@@@a"));

        client.close();

        await().until(() -> sdkThreads().isEmpty());
    }

    static List<String> sdkThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith(Threads.PREFIX)) {
                names.add(t.getName());
            }
        }
        return names;
    }
}
