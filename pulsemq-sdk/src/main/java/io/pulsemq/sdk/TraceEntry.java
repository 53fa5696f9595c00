package io.pulsemq.sdk;

import io.pulsemq.protocol.StatusEvent;

/**
 * One entry of a client's trace: a status event, or a rejected connection attempt (which is not a status event:
 * {@code eventType} {@code connect_rejected}, no offset and no version).
 *
 * @param clientId  the client ID
 * @param eventType {@code connect}, {@code disconnect}, {@code tcpclean} or {@code connect_rejected}
 * @param time      epoch ms
 * @param channelId the connection's ID, or null
 * @param clientIp  {@code ip:port}, or null
 * @param reason    the reason (events: the contract's reasons; rejected attempts: why), or null
 * @param remark    free text (rejected attempts: details), or null
 * @param event     the status event, or null for a rejected attempt
 */
public record TraceEntry(String clientId, String eventType, long time, String channelId, String clientIp,
                         String reason, String remark, StatusEvent event) {

    /** The {@code eventType} of rejected attempts. */
    public static final String CONNECT_REJECTED = "connect_rejected";

    /** Whether this is a rejected connection attempt rather than a status event. */
    public boolean rejected() {
        return event == null;
    }
}
