package io.pulsemq.broker.api;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.pulsemq.broker.http.HttpResponse;
import io.pulsemq.broker.statuslog.RejectedConnect;
import io.pulsemq.broker.statuslog.StoredEvent;
import io.pulsemq.protocol.ClientIds;
import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.protocol.ClientStatusJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The API's JSON, written with Jackson's streaming generator: no reflection and no intermediate objects, so a
 * batch of a thousand statuses costs little more than the bytes it produces. Thread-safe.
 */
final class StatusJson {

    /** Event type of a rejected connection attempt in a trace. */
    static final String CONNECT_REJECTED = "connect_rejected";

    private static final JsonFactory FACTORY = new JsonFactory();

    private StatusJson() {
    }

    /** Writes a JSON document. */
    @FunctionalInterface
    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    /** A JSON response whose body {@code body} writes. */
    static HttpResponse response(int status, int sizeHint, Body body) {
        return new HttpResponse(status, HttpResponse.JSON, bytes(sizeHint, body), Map.of());
    }

    /** The UTF-8 bytes {@code body} writes. */
    static byte[] bytes(int sizeHint, Body body) {
        ByteArrayBuilder out = new ByteArrayBuilder(Math.max(256, sizeHint));
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A client's status, every field of the contract, in the contract's order. */
    static void writeStatus(JsonGenerator g, ClientStatus s) throws IOException {
        ClientStatusJson.write(g, s);
    }

    /** A stored status event, exactly as stored. */
    static void writeEvent(JsonGenerator g, StoredEvent e) throws IOException {
        g.writeRawValue(new String(e.json(), StandardCharsets.UTF_8));
    }

    /** A rejected connection attempt as a trace item. */
    static void writeRejected(JsonGenerator g, RejectedConnect r) throws IOException {
        g.writeStartObject();
        g.writeStringField("clientId", r.clientId());
        g.writeStringField("groupId", ClientIds.groupOf(r.clientId()));
        g.writeStringField("eventType", CONNECT_REJECTED);
        g.writeStringField("channelId", r.channelId());
        g.writeStringField("clientIp", r.clientIp());
        g.writeNumberField("time", r.time());
        g.writeStringField("reason", r.reason());
        g.writeStringField("remark", r.detail());
        g.writeEndObject();
    }
}
