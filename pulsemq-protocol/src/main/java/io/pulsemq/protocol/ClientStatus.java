package io.pulsemq.protocol;

/**
 * What the broker knows about one client ID right now: the answer of a status query. A client is
 * online iff its latest status event is {@code connect}. A never-seen client has {@code version} 0.
 *
 * @param clientId        the client ID
 * @param groupId         its group ({@code ""} without {@code @@@})
 * @param online          whether its latest event is {@code connect}
 * @param version         version of its latest event (0: never seen)
 * @param lastEventType   {@code connect}, {@code disconnect} or {@code tcpclean}; null if never seen
 * @param channelId       the latest connection's ID, or null
 * @param clientIp        the latest connection's {@code ip:port}, or null
 * @param node            the node that logged the latest event, or null
 * @param connectedAt     epoch ms of the latest {@code connect}, or 0
 * @param disconnectedAt  epoch ms of the latest end ({@code tcpclean}), or 0; 0 while online
 * @param lastReason      reason of the latest end, or null
 * @param protocolVersion 3, 4 or 5 for the latest connection, or 0
 * @param keepAlive       the latest connection's keep-alive in seconds
 * @param cleanStart      the latest connection's clean start flag
 * @param username        the latest connection's username, or null
 * @param certificateChainSn serial number (lower-case hex) of the client certificate the latest connection
 *                        presented over TLS, or null
 */
public record ClientStatus(
        String clientId,
        String groupId,
        boolean online,
        long version,
        String lastEventType,
        String channelId,
        String clientIp,
        String node,
        long connectedAt,
        long disconnectedAt,
        String lastReason,
        int protocolVersion,
        int keepAlive,
        boolean cleanStart,
        String username,
        String certificateChainSn) {

    /** A status without a client certificate. */
    public ClientStatus(String clientId, String groupId, boolean online, long version, String lastEventType,
                        String channelId, String clientIp, String node, long connectedAt, long disconnectedAt,
                        String lastReason, int protocolVersion, int keepAlive, boolean cleanStart, String username) {
        this(clientId, groupId, online, version, lastEventType, channelId, clientIp, node, connectedAt, disconnectedAt,
                lastReason, protocolVersion, keepAlive, cleanStart, username, null);
    }

    /** The status of a client the broker has never seen. */
    public static ClientStatus unknown(String clientId) {
        return new ClientStatus(clientId, ClientIds.groupOf(clientId), false, 0, null, null, null, null, 0, 0, null,
                0, 0, false, null);
    }
}
