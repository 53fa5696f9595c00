package io.pulsemq.broker.session;

import io.pulsemq.protocol.DisconnectReason;

/**
 * Told of every connection's start and end, in per-client order: for one client ID the calls never
 * interleave (a takeover reports the old connection's end before the new one's start). Called with
 * that client's lifecycle lock held and before the CONNACK is sent, so an implementation that makes
 * a record durable here makes it durable before the client can see it is connected. Must be fast and
 * must not call back into the {@link SessionRegistry} for the same client.
 */
public interface LifecycleListener {

    /** A connection was accepted (its CONNACK is about to be sent). */
    void connected(ConnectionInfo connection);

    /**
     * A connection ended.
     *
     * @param clientSentDisconnect whether the client sent DISCONNECT before the end
     * @param reason               why it ended
     */
    void disconnected(ConnectionInfo connection, boolean clientSentDisconnect, DisconnectReason reason);

    /** A listener that does nothing. */
    LifecycleListener NONE = new LifecycleListener() {
        @Override
        public void connected(ConnectionInfo connection) {
        }

        @Override
        public void disconnected(ConnectionInfo connection, boolean clientSentDisconnect, DisconnectReason reason) {
        }
    };
}
