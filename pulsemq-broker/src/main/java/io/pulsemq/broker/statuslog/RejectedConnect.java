package io.pulsemq.broker.statuslog;

/**
 * A refused connection attempt, kept for the client's trace.
 *
 * @param clientId  the client ID it presented
 * @param channelId the connection's ID
 * @param clientIp  {@code ip:port}
 * @param time      epoch ms
 * @param reason    a contract reason ({@code not_authorized}, {@code protocol_error}, ...)
 * @param detail    a secret-free explanation
 */
public record RejectedConnect(String clientId, String channelId, String clientIp, long time, String reason, String detail) {
}
