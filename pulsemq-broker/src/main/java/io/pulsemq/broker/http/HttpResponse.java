package io.pulsemq.broker.http;

import com.fasterxml.jackson.core.JsonProcessingException;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An HTTP response produced by a route handler: status, content type, the whole body or a {@link StreamBody},
 * extra headers. The server adds {@code Content-Length} (or {@code Transfer-Encoding: chunked} for a stream) and
 * {@code Connection}. The body array is never modified after construction.
 *
 * @param status      the status code
 * @param contentType the {@code Content-Type}, or empty for no body
 * @param body        the body bytes; empty for a stream
 * @param headers     further headers
 * @param stream      the producer of a streamed body, or null for a whole body
 */
public record HttpResponse(int status, String contentType, byte[] body, Map<String, String> headers,
                           StreamBody stream) {

    /** The JSON media type. */
    public static final String JSON = "application/json";

    public HttpResponse {
        headers = Map.copyOf(headers);
    }

    /** A response with a whole body. */
    public HttpResponse(int status, String contentType, byte[] body, Map<String, String> headers) {
        this(status, contentType, body, headers, null);
    }

    /**
     * A streamed response: the headers are sent as soon as it is this request's turn, then {@code body} produces
     * the content, chunk by chunk, until it ends the stream. A {@code HEAD} request gets the headers only.
     */
    public static HttpResponse stream(int status, String contentType, StreamBody body) {
        return new HttpResponse(status, contentType, new byte[0], Map.of(), Objects.requireNonNull(body, "body"));
    }

    /**
     * {@code value} serialized as JSON by Jackson (records, maps, lists, scalars).
     *
     * @throws IllegalArgumentException if it cannot be serialized
     */
    public static HttpResponse json(int status, Object value) {
        try {
            return new HttpResponse(status, JSON, Json.MAPPER.writeValueAsBytes(value), Map.of());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize " + value.getClass().getName() + " as JSON", e);
        }
    }

    /** The API's error shape: {@code {"error": code, "message": message}}. */
    public static HttpResponse error(int status, String code, String message) {
        return json(status, new ErrorBody(code, message));
    }

    /** A text body, for instance Prometheus exposition format. */
    public static HttpResponse text(int status, String contentType, String body) {
        return new HttpResponse(status, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** A copy with one more header (replacing one of the same name). */
    public HttpResponse withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new HttpResponse(status, contentType, body, more, stream);
    }

    /** The body of every error answer. */
    public record ErrorBody(String error, String message) {
    }
}
