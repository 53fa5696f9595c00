package io.pulsemq.broker.api;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.pulsemq.broker.http.HttpResponse;
import io.pulsemq.broker.statuslog.RejectedConnect;
import io.pulsemq.broker.statuslog.StoredEvent;
import io.pulsemq.protocol.ClientIds;
import io.pulsemq.protocol.ClientStatus;

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
    // Field names of a status, encoded once.
    private static final SerializedString CLIENT_ID = new SerializedString("clientId");
    private static final SerializedString GROUP_ID = new SerializedString("groupId");
    private static final SerializedString ONLINE = new SerializedString("online");
    private static final SerializedString VERSION = new SerializedString("version");
    private static final SerializedString LAST_EVENT_TYPE = new SerializedString("lastEventType");
    private static final SerializedString CHANNEL_ID = new SerializedString("channelId");
    private static final SerializedString CLIENT_IP = new SerializedString("clientIp");
    private static final SerializedString NODE = new SerializedString("node");
    private static final SerializedString CONNECTED_AT = new SerializedString("connectedAt");
    private static final SerializedString DISCONNECTED_AT = new SerializedString("disconnectedAt");
    private static final SerializedString LAST_REASON = new SerializedString("lastReason");
    private static final SerializedString PROTOCOL_VERSION = new SerializedString("protocolVersion");
    private static final SerializedString KEEP_ALIVE = new SerializedString("keepAlive");
    private static final SerializedString CLEAN_START = new SerializedString("cleanStart");
    private static final SerializedString USERNAME = new SerializedString("username");

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

    /** A client's status, every field of the contract, in the contract's order (pre-encoded names: this is the hot path). */
    static void writeStatus(JsonGenerator g, ClientStatus s) throws IOException {
        g.writeStartObject();
        g.writeFieldName(CLIENT_ID);
        g.writeString(s.clientId());
        g.writeFieldName(GROUP_ID);
        g.writeString(s.groupId());
        g.writeFieldName(ONLINE);
        g.writeBoolean(s.online());
        g.writeFieldName(VERSION);
        g.writeNumber(s.version());
        g.writeFieldName(LAST_EVENT_TYPE);
        g.writeString(s.lastEventType());
        g.writeFieldName(CHANNEL_ID);
        g.writeString(s.channelId());
        g.writeFieldName(CLIENT_IP);
        g.writeString(s.clientIp());
        g.writeFieldName(NODE);
        g.writeString(s.node());
        g.writeFieldName(CONNECTED_AT);
        g.writeNumber(s.connectedAt());
        g.writeFieldName(DISCONNECTED_AT);
        g.writeNumber(s.disconnectedAt());
        g.writeFieldName(LAST_REASON);
        g.writeString(s.lastReason());
        g.writeFieldName(PROTOCOL_VERSION);
        g.writeNumber(s.protocolVersion());
        g.writeFieldName(KEEP_ALIVE);
        g.writeNumber(s.keepAlive());
        g.writeFieldName(CLEAN_START);
        g.writeBoolean(s.cleanStart());
        g.writeFieldName(USERNAME);
        g.writeString(s.username());
        g.writeEndObject();
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
