package io.pulsemq.broker.cluster;

/**
 * Told when a connection this node holds was ended or superseded by another node: a takeover that could not wait for
 * this node, or the survivors declaring this node dead while it was frozen or cut off. The event is already logged by
 * the other node; this node closes the connection without logging anything for it.
 */
@FunctionalInterface
public interface OwnershipListener {

    /** Does nothing. */
    OwnershipListener NONE = (clientId, connectionId) -> {
    };

    /**
     * Connection {@code connectionId} of {@code clientId}, which this node logged as connected, is no longer this
     * node's. Called on the status mirror's thread: hand real work elsewhere.
     */
    void lost(String clientId, String connectionId);
}
