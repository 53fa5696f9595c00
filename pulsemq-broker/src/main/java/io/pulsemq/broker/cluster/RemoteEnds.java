package io.pulsemq.broker.cluster;

import java.util.concurrent.CompletableFuture;

/**
 * Asks the node that holds a client's connection to end it, so that a takeover on another node is logged in order:
 * the holder's {@code tcpclean} ({@code session_taken_over}) before the new {@code connect}.
 */
@FunctionalInterface
public interface RemoteEnds {

    /** No other node to ask: every answer is "not held there". */
    RemoteEnds NONE = (node, clientId, connectionId) -> CompletableFuture.completedFuture(0L);

    /**
     * Asks {@code node} to end connection {@code connectionId} of {@code clientId}.
     *
     * @return completes, once that node has no end of the client left to write, with the client's last offset there
     *         (the end it logged; an older offset, or 0, when it had nothing to end); completes exceptionally if it
     *         did not answer in time
     */
    CompletableFuture<Long> end(String node, String clientId, String connectionId);
}
