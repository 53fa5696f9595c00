package io.pulsemq.broker.session;

/**
 * Facts about one accepted connection, fixed at CONNECT.
 *
 * @param clientId        the client ID (assigned by the broker if the client sent none)
 * @param connectionId    32 hex characters, unique per connection
 * @param remoteAddress   {@code ip:port} of the peer
 * @param protocolVersion 3 (MQTT 3.1), 4 (3.1.1) or 5 (5.0)
 * @param keepAliveSeconds negotiated keep-alive
 * @param cleanStart      clean session (v3) / clean start (v5)
 * @param username        the username presented, or null
 * @param connectedAt     epoch ms of acceptance
 * @param certificateChainSn serial number (lower-case hex) of the client certificate presented over TLS, or null
 */
public record ConnectionInfo(
        String clientId,
        String connectionId,
        String remoteAddress,
        int protocolVersion,
        int keepAliveSeconds,
        boolean cleanStart,
        String username,
        long connectedAt,
        String certificateChainSn) {

    /** A connection without a client certificate. */
    public ConnectionInfo(String clientId, String connectionId, String remoteAddress, int protocolVersion,
                          int keepAliveSeconds, boolean cleanStart, String username, long connectedAt) {
        this(clientId, connectionId, remoteAddress, protocolVersion, keepAliveSeconds, cleanStart, username,
                connectedAt, null);
    }
}
