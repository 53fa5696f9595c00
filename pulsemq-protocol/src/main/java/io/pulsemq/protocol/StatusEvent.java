package io.pulsemq.protocol;

/**
 * One entry of the durable status log: a connection started, the client said goodbye, or the
 * connection is gone. Field names and meanings are those of the contract (and of ApsaraMQ's status
 * notifications, plus {@code offset}, {@code groupId}, {@code version}, {@code reason}, {@code node}).
 *
 * @param offset             position in the status log; strictly increasing; the resume point of streams
 * @param clientId           the MQTT client ID
 * @param groupId            the part of the client ID before {@code @@@}, or {@code ""}
 * @param eventType          what happened
 * @param channelId          the connection's ID (32 hex characters); shared by the events of one connection
 * @param clientIp           {@code ip:port} of the device
 * @param time               epoch ms when the broker observed it; never decreases along the log
 * @param version            per client: 1 for its first event, +1 for each next one, never reused
 * @param reason             why the connection ended; null on {@code connect}
 * @param node               the broker node that observed it
 * @param certificateChainSn the client certificate chain serial, or null
 * @param remark             free text, or null
 */
public record StatusEvent(
        long offset,
        String clientId,
        String groupId,
        EventType eventType,
        String channelId,
        String clientIp,
        long time,
        long version,
        DisconnectReason reason,
        String node,
        String certificateChainSn,
        String remark) {

    /** Whether, after this event, the client is online. */
    public boolean online() {
        return eventType == EventType.CONNECT;
    }
}
