package io.pulsemq.protocol;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON form of a {@link ClientStatus}: every field of the contract, in the contract's order. The
 * broker stores this form and answers queries with it byte for byte, so it is encoded once per status
 * change, never per query. Streaming Jackson, no reflection; thread-safe.
 */
public final class ClientStatusJson {

    private static final JsonFactory JSON = new JsonFactory();
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
    private static final SerializedString CERTIFICATE_CHAIN_SN = new SerializedString("certificateChainSn");

    private ClientStatusJson() {
    }

    /** The UTF-8 JSON of one status. */
    public static byte[] encode(ClientStatus s) {
        ByteArrayBuilder out = new ByteArrayBuilder(320);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            write(g, s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes one status as a JSON object. */
    public static void write(JsonGenerator g, ClientStatus s) throws IOException {
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
        g.writeFieldName(CERTIFICATE_CHAIN_SN);
        g.writeString(s.certificateChainSn());
        g.writeEndObject();
    }

    /**
     * Decodes one status; unknown fields are ignored.
     *
     * @throws IllegalArgumentException when the bytes are not a client status
     */
    public static ClientStatus decode(byte[] json) {
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("expected a JSON object");
            }
            String clientId = null;
            String groupId = null;
            boolean online = false;
            long version = 0;
            String lastEventType = null;
            String channelId = null;
            String clientIp = null;
            String node = null;
            long connectedAt = 0;
            long disconnectedAt = 0;
            String lastReason = null;
            int protocolVersion = 0;
            int keepAlive = 0;
            boolean cleanStart = false;
            String username = null;
            String certificateChainSn = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "clientId": clientId = p.getValueAsString(); break;
                    case "groupId": groupId = p.getValueAsString(); break;
                    case "online": online = p.getValueAsBoolean(); break;
                    case "version": version = p.getValueAsLong(); break;
                    case "lastEventType": lastEventType = p.getValueAsString(); break;
                    case "channelId": channelId = p.getValueAsString(); break;
                    case "clientIp": clientIp = p.getValueAsString(); break;
                    case "node": node = p.getValueAsString(); break;
                    case "connectedAt": connectedAt = p.getValueAsLong(); break;
                    case "disconnectedAt": disconnectedAt = p.getValueAsLong(); break;
                    case "lastReason": lastReason = p.getValueAsString(); break;
                    case "protocolVersion": protocolVersion = p.getValueAsInt(); break;
                    case "keepAlive": keepAlive = p.getValueAsInt(); break;
                    case "cleanStart": cleanStart = p.getValueAsBoolean(); break;
                    case "username": username = p.getValueAsString(); break;
                    case "certificateChainSn": certificateChainSn = p.getValueAsString(); break;
                    default: p.skipChildren(); break;
                }
            }
            if (clientId == null) {
                throw new IOException("clientId is required");
            }
            return new ClientStatus(clientId, groupId == null ? ClientIds.groupOf(clientId) : groupId, online, version,
                    lastEventType, channelId, clientIp, node, connectedAt, disconnectedAt, lastReason, protocolVersion,
                    keepAlive, cleanStart, username, certificateChainSn);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a client status: " + e.getMessage(), e);
        }
    }
}
