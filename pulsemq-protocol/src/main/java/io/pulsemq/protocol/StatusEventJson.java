package io.pulsemq.protocol;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON form of a {@link StatusEvent}: one object, the contract's field names, in a fixed order.
 * Streaming Jackson, no reflection; thread-safe.
 */
public final class StatusEventJson {

    private static final JsonFactory JSON = new JsonFactory();

    private StatusEventJson() {
    }

    /** Encodes one event as UTF-8 JSON (no trailing newline). */
    public static byte[] encode(StatusEvent e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            write(g, e);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    /** Writes one event as a JSON object to {@code g}. */
    public static void write(JsonGenerator g, StatusEvent e) throws IOException {
        g.writeStartObject();
        g.writeNumberField("offset", e.offset());
        g.writeStringField("clientId", e.clientId());
        g.writeStringField("groupId", e.groupId());
        g.writeStringField("eventType", e.eventType().wireName());
        g.writeStringField("channelId", e.channelId());
        g.writeStringField("clientIp", e.clientIp());
        g.writeNumberField("time", e.time());
        g.writeNumberField("version", e.version());
        g.writeStringField("reason", e.reason() == null ? null : e.reason().wireName());
        g.writeStringField("node", e.node());
        g.writeStringField("certificateChainSn", e.certificateChainSn());
        g.writeStringField("remark", e.remark());
        g.writeEndObject();
    }

    /**
     * Decodes one event. Unknown fields are ignored (newer brokers may add some).
     *
     * @throws IllegalArgumentException when the bytes are not a status event
     */
    public static StatusEvent decode(byte[] json) {
        try (JsonParser p = JSON.createParser(json)) {
            return read(p);
        } catch (IOException ex) {
            throw new IllegalArgumentException("not a status event: " + ex.getMessage(), ex);
        }
    }

    /** Reads one event object from {@code p}, positioned before or at its START_OBJECT. */
    public static StatusEvent read(JsonParser p) throws IOException {
        JsonToken t = p.currentToken() == JsonToken.START_OBJECT ? p.currentToken() : p.nextToken();
        if (t != JsonToken.START_OBJECT) {
            throw new IOException("expected a JSON object");
        }
        long offset = 0;
        long time = 0;
        long version = 0;
        String clientId = null;
        String groupId = null;
        String channelId = null;
        String clientIp = null;
        String node = null;
        String sn = null;
        String remark = null;
        EventType type = null;
        DisconnectReason reason = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            boolean isNull = value == JsonToken.VALUE_NULL;
            switch (field) {
                case "offset": offset = p.getLongValue(); break;
                case "time": time = p.getLongValue(); break;
                case "version": version = p.getLongValue(); break;
                case "clientId": clientId = p.getValueAsString(); break;
                case "groupId": groupId = p.getValueAsString(); break;
                case "channelId": channelId = p.getValueAsString(); break;
                case "clientIp": clientIp = p.getValueAsString(); break;
                case "node": node = p.getValueAsString(); break;
                case "certificateChainSn": sn = p.getValueAsString(); break;
                case "remark": remark = p.getValueAsString(); break;
                case "eventType": type = isNull ? null : EventType.fromWireName(p.getText()); break;
                case "reason": reason = isNull ? null : DisconnectReason.fromWireName(p.getText()); break;
                default: p.skipChildren(); break;
            }
        }
        if (clientId == null || type == null) {
            throw new IOException("clientId and eventType are required");
        }
        return new StatusEvent(offset, clientId, groupId == null ? ClientIds.groupOf(clientId) : groupId, type,
                channelId, clientIp, time, version, reason, node, sn, remark);
    }
}
