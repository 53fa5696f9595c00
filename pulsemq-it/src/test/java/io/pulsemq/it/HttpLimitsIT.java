package io.pulsemq.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static io.pulsemq.it.BrokerFixture.ADMIN;
import static io.pulsemq.it.BrokerFixture.CAR_SERVER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The HTTP API's limits as configuration keys, met by the JDK's HttpClient (and, for the slow request head and body,
 * by sockets that hold a request open as slowloris clients do): event streams in all ({@value #MAX_STREAMS}, 503)
 * and per access key ({@value #MAX_STREAMS_PER_KEY}, 429), the request body size, the request head deadline and the
 * deadline of a whole request.
 */
class HttpLimitsIT {

    private static final int MAX_STREAMS = 2;
    private static final int MAX_STREAMS_PER_KEY = 1;
    private static final int MAX_BODY = 128;
    private static BrokerFixture broker;
    private static ApiClient api;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start(BrokerFixture.http(h -> h.withStreamLimits(MAX_STREAMS, MAX_STREAMS_PER_KEY)
                .withConnectionLimits(Duration.ofMillis(500), h.idleTimeout(), MAX_BODY, h.maxPipelined())
                .withRequestTimeout(Duration.ofSeconds(1))));
        api = new ApiClient(broker.httpPort());
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void eventStreams_perKeyAnswer429_inAllAnswer503_andASlotComesBackWhenAStreamCloses() throws Exception {
        double perKeyBefore = broker.limitHits("http.maxStreamsPerKey");
        double allBefore = broker.limitHits("http.maxStreams");
        SseStream admin = SseStream.open(api, "", ADMIN, null);

        HttpResponse<String> secondOfTheKey = api.get("/api/v1/status/events", ADMIN);
        assertThat(secondOfTheKey.statusCode()).isEqualTo(429);
        assertThat(error(secondOfTheKey)).isEqualTo("too_many_streams");
        assertThat(ApiClient.json(secondOfTheKey.body()).get("message").asText()).contains("http.maxStreamsPerKey");

        try (SseStream car = SseStream.open(api, "group=GID_car", CAR_SERVER, null)) {
            HttpResponse<String> overAll = api.get("/api/v1/status/events", ADMIN);
            assertThat(overAll.statusCode()).isEqualTo(503);
            assertThat(ApiClient.json(overAll.body()).get("message").asText()).contains("http.maxStreams");
        }
        admin.close();
        // the slot is given back once the broker sees the stream's connection close
        await().untilAsserted(() -> SseStream.open(api, "", ADMIN, null).close());
        assertThat(broker.limitHits("http.maxStreamsPerKey")).isGreaterThan(perKeyBefore);
        assertThat(broker.limitHits("http.maxStreams")).isGreaterThan(allBefore);
    }

    @Test
    void bodyOverMaxBodySize_answers413Json() {
        double before = broker.limitHits("http.maxBodySize");
        String body = "{\"clientIds\":[\"" + "x".repeat(MAX_BODY) + "\"]}";

        HttpResponse<String> response = api.post("/api/v1/clients/status", body, ADMIN);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(error(response)).isEqualTo("payload_too_large");
        assertThat(broker.limitHits("http.maxBodySize")).isEqualTo(before + 1);
    }

    @Test
    void requestHeadTrickledInSlowerThanHeaderTimeout_answers408JsonAndCloses() throws Exception {
        double before = broker.limitHits("http.headerTimeout");
        try (Socket slowloris = new Socket("127.0.0.1", broker.httpPort())) {
            slowloris.setSoTimeout((int) Duration.ofSeconds(Clients.TIMEOUT_S).toMillis());
            OutputStream out = slowloris.getOutputStream();
            out.write("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            out.flush();

            String answer = readAll(slowloris.getInputStream()); // until the broker closes
            assertThat(answer).startsWith("HTTP/1.1 408").contains("\"error\":\"request_timeout\"");
        }
        assertThat(broker.limitHits("http.headerTimeout")).isEqualTo(before + 1);
    }

    @Test
    void requestBodyAnnouncedAndNotSent_pastRequestTimeout_answers408JsonAndCloses() throws Exception {
        double before = broker.limitHits("http.requestTimeout");
        double headBefore = broker.limitHits("http.headerTimeout");
        try (Socket slowBody = new Socket("127.0.0.1", broker.httpPort())) {
            slowBody.setSoTimeout((int) Duration.ofSeconds(Clients.TIMEOUT_S).toMillis());
            OutputStream out = slowBody.getOutputStream();
            // a whole head in time, announcing a body (within http.maxBodySize) that never comes; the connection is
            // not idle for the broker, a request is in progress
            out.write(("POST /api/v1/clients/status HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();

            String answer = readAll(slowBody.getInputStream()); // until the broker closes
            assertThat(answer).startsWith("HTTP/1.1 408").contains("\"error\":\"request_timeout\"");
        }
        assertThat(broker.limitHits("http.requestTimeout")).isEqualTo(before + 1);
        assertThat(broker.limitHits("http.headerTimeout")).isEqualTo(headBefore);
    }

    private static String error(HttpResponse<String> response) {
        JsonNode body = ApiClient.json(response.body());
        return body.get("error").asText();
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        return all.toString(StandardCharsets.UTF_8);
    }
}
