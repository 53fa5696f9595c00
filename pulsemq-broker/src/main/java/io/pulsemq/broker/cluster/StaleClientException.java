package io.pulsemq.broker.cluster;

/**
 * An append the stream refused because the client's subject has moved on since this node last saw it: another node
 * appended for the client (it took the client over, or declared this node dead and ended its connections). Nothing
 * was written; the node's view of the client is stale and its connection, if it still has one, is no longer the
 * client's.
 */
public final class StaleClientException extends RuntimeException {

    public StaleClientException(String clientId, String detail) {
        super("the status of " + clientId + " moved on elsewhere: " + detail);
    }
}
