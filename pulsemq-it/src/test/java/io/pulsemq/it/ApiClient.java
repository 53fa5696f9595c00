package io.pulsemq.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pulsemq.broker.config.AccessKey;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/** Calls the broker's HTTP API with java.net.http, as a backend would. */
final class ApiClient {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final int port;

    ApiClient(int port) {
        this.port = port;
    }

    HttpClient http() {
        return http;
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    HttpRequest.Builder request(String pathAndQuery, AccessKey key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(pathAndQuery)).timeout(TIMEOUT);
        if (key != null) {
            b.header("Authorization", basic(key.id(), key.secret()));
        }
        return b;
    }

    static String basic(String id, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    HttpResponse<String> get(String pathAndQuery, AccessKey key) {
        return send(request(pathAndQuery, key).GET().build());
    }

    HttpResponse<String> post(String pathAndQuery, String body, AccessKey key) {
        return send(request(pathAndQuery, key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** GET, expecting 200, as JSON. */
    JsonNode getJson(String pathAndQuery, AccessKey key) {
        return ok(get(pathAndQuery, key));
    }

    /** POST, expecting 200, as JSON. */
    JsonNode postJson(String pathAndQuery, String body, AccessKey key) {
        return ok(post(pathAndQuery, body, key));
    }

    static JsonNode ok(HttpResponse<String> response) {
        if (response.statusCode() != 200) {
            throw new AssertionError("expected 200 from " + response.uri() + " but got " + response.statusCode()
                    + ": " + response.body());
        }
        return json(response.body());
    }

    static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /**
     * One sample of {@code /metrics} (read with {@code key}), by its series as Prometheus prints it:
     * {@code pulsemq_messages_published_total} or {@code pulsemq_connections_paused{protocol="mqtt"}}.
     */
    double metric(String series, AccessKey key) {
        String text = ok200(get("/metrics", key)).body();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + java.util.regex.Pattern.quote(series)
                + " (\\S+)$").matcher(text);
        if (!m.find()) {
            throw new AssertionError(series + " is not in /metrics:\n" + text);
        }
        return Double.parseDouble(m.group(1));
    }

    private static HttpResponse<String> ok200(HttpResponse<String> response) {
        if (response.statusCode() != 200) {
            throw new AssertionError("expected 200 from " + response.uri() + " but got " + response.statusCode());
        }
        return response;
    }

    /** The status of one client, as JSON. */
    JsonNode client(String clientId, AccessKey key) {
        return getJson("/api/v1/clients/" + enc(clientId).replace("+", "%20"), key);
    }
}
