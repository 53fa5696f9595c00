package io.pulsemq.sdk;

import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.protocol.DisconnectReason;

/**
 * Transitions of the {@link PresenceTracker}'s mirror. Each is reported exactly once, when the mirror changes, in
 * the order the mirror changed (so per client: online, offline, online, ...), never two calls at a time.
 * Implement the methods you need.
 */
public interface PresenceListener {

    /** The client came online ({@code status.online()} is true). */
    default void onOnline(ClientStatus status) {
    }

    /**
     * The client went offline.
     *
     * @param reason why: {@code client_disconnect}, {@code connection_lost}, {@code session_taken_over}, ...; null
     *               when the mirror learned it from a relist that no longer knew the client
     */
    default void onOffline(ClientStatus status, DisconnectReason reason) {
    }
}
