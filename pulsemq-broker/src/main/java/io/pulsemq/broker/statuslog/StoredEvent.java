package io.pulsemq.broker.statuslog;

import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import io.pulsemq.protocol.StatusEventJson;

/**
 * A status event as read from the log: the fields readers filter on, and its JSON exactly as
 * stored, so streams and exports write it without re-encoding.
 *
 * @param offset   its offset
 * @param clientId its client
 * @param groupId  its group
 * @param type     its type
 * @param time     epoch ms
 * @param json     the event as UTF-8 JSON
 */
public record StoredEvent(long offset, String clientId, String groupId, EventType type, long time, byte[] json) {

    /** The decoded event. */
    public StatusEvent event() {
        return StatusEventJson.decode(json);
    }
}
