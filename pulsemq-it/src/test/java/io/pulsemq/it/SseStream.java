package io.pulsemq.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.pulsemq.broker.config.AccessKey;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A Server-Sent Events client for the status stream: parses {@code id:}/{@code data:} events as they arrive. */
final class SseStream implements AutoCloseable {

    /** One received event. */
    record Event(long id, JsonNode data) {
        String clientId() {
            return data.get("clientId").asText();
        }

        String type() {
            return data.get("eventType").asText();
        }
    }

    private final HttpResponse<InputStream> response;
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private SseStream(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = new Thread(this::read, "sse-reader");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Opens {@code /api/v1/status/events?query}; {@code lastEventId} may be null. Expects 200. */
    static SseStream open(ApiClient api, String query, AccessKey key, String lastEventId) throws Exception {
        HttpRequest.Builder request = api.request("/api/v1/status/events" + (query.isEmpty() ? "" : "?" + query), key)
                .header("Accept", "text/event-stream");
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<InputStream> response = api.http().send(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            String body = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
            throw new AssertionError("stream answered " + response.statusCode() + ": " + body);
        }
        if (!response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream")) {
            throw new AssertionError("not an event stream: " + response.headers());
        }
        return new SseStream(response);
    }

    private void read() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String id = null;
            StringBuilder data = new StringBuilder();
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.isEmpty()) {
                    if (data.length() > 0) {
                        events.add(new Event(Long.parseLong(id), ApiClient.json(data.toString())));
                    }
                    id = null;
                    data.setLength(0);
                } else if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("data: ")) {
                    data.append(line.substring(6));
                }
            }
        } catch (IOException e) {
            // closed by the test
        }
    }

    /** The events received so far, in arrival order. */
    List<Event> events() {
        return new ArrayList<>(events);
    }

    @Override
    public void close() throws IOException {
        response.body().close();
    }
}
