package io.pulsemq.broker.statuslog;

import io.pulsemq.broker.session.ConnectionInfo;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;

/**
 * An event before the log gives it an offset, a version and its place in time.
 *
 * @param type       what happened
 * @param connection the connection it happened to
 * @param reason     why it ended; null for {@code connect}
 * @param observedAt epoch ms when the broker observed it
 */
public record EventDraft(EventType type, ConnectionInfo connection, DisconnectReason reason, long observedAt) {
}
