package io.pulsemq.broker.config;

import java.time.Duration;

/**
 * MQTT protocol limits the broker enforces and announces.
 *
 * @param maxPacketSize         largest packet accepted, in bytes (announced to v5 clients)
 * @param receiveMaximum        QoS 1/2 PUBLISHes a client may have unacknowledged towards the broker
 * @param maxInflight           QoS 1/2 messages the broker keeps unacknowledged per client (capped by the client's receive maximum)
 * @param maxQueuedMessages     messages queued per session while offline or while the window is full; beyond it, new messages are dropped
 * @param topicAliasMaximum     topic aliases a v5 client may use towards the broker
 * @param maxSessionExpiry      upper bound for session expiry; v3.1.x persistent sessions use this value
 * @param maxKeepAlive          upper bound for keep-alive; a larger request is answered with Server Keep Alive (v5)
 *                              and replaced by the broker's own timeout (3.1.x)
 * @param connectTimeout        how long a new connection may take to send CONNECT
 * @param maxTopicLevels        deepest topic accepted
 * @param retainAvailable       whether retained messages are supported
 * @param wildcardSubscriptionAvailable whether {@code +} and {@code #} are accepted in filters
 * @param sharedSubscriptionAvailable   whether {@code $share/...} is accepted
 * @param allowZeroKeepAlive    whether a client may ask for keep-alive 0 (no timeout); if not, it gets
 *                              {@code maxKeepAlive} (announced as Server Keep Alive to v5 clients)
 */
public record MqttConfig(
        int maxPacketSize,
        int receiveMaximum,
        int maxInflight,
        int maxQueuedMessages,
        int topicAliasMaximum,
        Duration maxSessionExpiry,
        Duration maxKeepAlive,
        Duration connectTimeout,
        int maxTopicLevels,
        boolean retainAvailable,
        boolean wildcardSubscriptionAvailable,
        boolean sharedSubscriptionAvailable,
        boolean allowZeroKeepAlive) {

    /** Limits that allow keep-alive 0 (the default, as in EMQX and HiveMQ). */
    public MqttConfig(int maxPacketSize, int receiveMaximum, int maxInflight, int maxQueuedMessages,
                      int topicAliasMaximum, Duration maxSessionExpiry, Duration maxKeepAlive, Duration connectTimeout,
                      int maxTopicLevels, boolean retainAvailable, boolean wildcardSubscriptionAvailable,
                      boolean sharedSubscriptionAvailable) {
        this(maxPacketSize, receiveMaximum, maxInflight, maxQueuedMessages, topicAliasMaximum, maxSessionExpiry,
                maxKeepAlive, connectTimeout, maxTopicLevels, retainAvailable, wildcardSubscriptionAvailable,
                sharedSubscriptionAvailable, true);
    }

    /** A copy with another keep-alive policy. */
    public MqttConfig withKeepAlive(Duration max, boolean allowZero) {
        return new MqttConfig(maxPacketSize, receiveMaximum, maxInflight, maxQueuedMessages, topicAliasMaximum,
                maxSessionExpiry, max, connectTimeout, maxTopicLevels, retainAvailable, wildcardSubscriptionAvailable,
                sharedSubscriptionAvailable, allowZero);
    }
}
