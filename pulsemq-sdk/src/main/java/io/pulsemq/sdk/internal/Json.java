package io.pulsemq.sdk.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.protocol.StatusEvent;
import io.pulsemq.protocol.StatusEventJson;
import io.pulsemq.sdk.PulseMqException;
import io.pulsemq.sdk.TraceEntry;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Reading the API's JSON. Unknown fields are ignored, so newer brokers may add some. */
public final class Json {

    public static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private Json() {
    }

    public static JsonNode tree(byte[] body) {
        try {
            return MAPPER.readTree(body);
        } catch (IOException e) {
            throw new PulseMqException("the broker answered malformed JSON: " + e.getMessage(), e);
        }
    }

    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new PulseMqException("cannot encode JSON", e);
        }
    }

    public static ClientStatus status(JsonNode node) {
        try {
            return MAPPER.treeToValue(node, ClientStatus.class);
        } catch (IOException e) {
            throw new PulseMqException("the broker answered a malformed client status", e);
        }
    }

    public static List<ClientStatus> statuses(JsonNode array) {
        List<ClientStatus> out = new ArrayList<>(array.size());
        for (JsonNode n : array) {
            out.add(status(n));
        }
        return out;
    }

    /** A status event from its JSON text. */
    public static StatusEvent event(String json) {
        try (JsonParser p = MAPPER.getFactory().createParser(json)) {
            return StatusEventJson.read(p);
        } catch (IOException | IllegalArgumentException e) {
            throw new PulseMqException("malformed status event: " + json, e);
        }
    }

    /** A trace item: a status event, or a rejected attempt. */
    public static TraceEntry traceEntry(JsonNode n) {
        String type = text(n, "eventType");
        StatusEvent event = TraceEntry.CONNECT_REJECTED.equals(type) ? null : event(n.toString());
        return new TraceEntry(text(n, "clientId"), type, n.path("time").asLong(), text(n, "channelId"),
                text(n, "clientIp"), text(n, "reason"), text(n, "remark"), event);
    }

    /** A text field, or null when missing or null. */
    public static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
