package io.pulsemq.broker.statuslog;

/**
 * A refused connection attempt, kept for the client's trace.
 *
 * @param clientId  the client ID it presented
 * @param channelId the connection's ID
 * @param clientIp  {@code ip:port}
 * @param time      epoch ms
 * @param reason    why: {@code not_authorized}, {@code protocol_error}, or for a limit {@code quota_exceeded}
 *                  (connections in all or per address) or {@code connection_rate_exceeded}
 * @param detail    a secret-free explanation
 */
public record RejectedConnect(String clientId, String channelId, String clientIp, long time, String reason, String detail) {
}
