package io.pulsemq.broker.session;

import io.pulsemq.broker.message.Message;
import io.pulsemq.protocol.DisconnectReason;

import java.util.List;

/**
 * What a {@link Session} needs from the network connection it is attached to. Implemented by the
 * MQTT connection handler; every method is safe to call from any thread (writes are handed to the
 * connection's event loop in call order).
 */
public interface ClientConnection {

    /** The connection's unique ID (32 hex characters), the {@code channelId} of status events. */
    String connectionId();

    /** Most QoS 1/2 messages the client accepts unacknowledged (its Receive Maximum, capped by config). */
    int sendWindow();

    /** Whether {@code message} fits in the client's Maximum Packet Size once encoded. */
    boolean fits(Message message, List<Integer> subscriptionIds);

    /** Whether the client reads too slowly to be sent more QoS 0 messages now (they are dropped instead). */
    boolean congested();

    /** Writes a PUBLISH; {@code packetId} is 0 for QoS 0. */
    void sendPublish(Message message, int packetId, boolean dup, List<Integer> subscriptionIds);

    /** Writes a PUBREL. */
    void sendPubRel(int packetId);

    /**
     * Ends the connection from the broker's side: v5 clients get DISCONNECT with the matching reason
     * code first. Marks the connection ended with {@code reason}; idempotent.
     */
    void terminate(DisconnectReason reason);
}
