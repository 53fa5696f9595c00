package io.pulsemq.bench.amqp;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A reader of the status event stream ({@code GET /api/v1/status/events}, Server-Sent Events) on a thread of its
 * own: passes the JSON of every {@code data:} line to a callback, on that thread, as soon as the line arrives.
 */
public final class SseListener implements AutoCloseable {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Stream<String> lines;
    private final Thread reader;

    /**
     * Opens the stream and waits for the response headers (so events after the returned instance's creation are
     * delivered).
     *
     * @param query the query string, e.g. {@code group=GID_x&types=connect}
     */
    public SseListener(String host, int httpPort, String keyId, String secret, String query, Consumer<String> onData)
            throws IOException, InterruptedException {
        String auth = Base64.getEncoder().encodeToString((keyId + ":" + secret).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + httpPort
                        + "/api/v1/status/events?" + query))
                .header("Authorization", "Basic " + auth)
                .header("Accept", "text/event-stream")
                .GET().build();
        HttpResponse<Stream<String>> response = client.send(request, HttpResponse.BodyHandlers.ofLines());
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IOException("GET /api/v1/status/events answered " + response.statusCode());
        }
        lines = response.body();
        reader = new Thread(() -> {
            try {
                Iterator<String> it = lines.iterator();
                while (it.hasNext()) {
                    String line = it.next();
                    if (line.startsWith("data: ")) {
                        onData.accept(line.substring(6));
                    }
                }
            } catch (RuntimeException closed) {
                // the stream was closed by close() or by the broker
            }
        }, "bench-sse");
        reader.setDaemon(true);
        reader.start();
    }

    /** The value of a top-level string field of an event's JSON, e.g. {@code clientId}, or null. */
    static String field(String json, String name) {
        String key = "\"" + name + "\":\"";
        int at = json.indexOf(key);
        if (at < 0) {
            return null;
        }
        int from = at + key.length();
        int to = json.indexOf('"', from);
        return to < 0 ? null : json.substring(from, to);
    }

    @Override
    public void close() {
        lines.close();
        reader.interrupt();
    }
}
