package io.pulsemq.broker.config;

import java.time.Duration;

/**
 * MQTT protocol limits the broker enforces and announces. For the count and rate limits, 0 means no limit;
 * docs/operations.md says what a client sees when it hits each one.
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
 * @param maxTopicLevels        deepest topic name or filter accepted
 * @param retainAvailable       whether retained messages are supported
 * @param wildcardSubscriptionAvailable whether {@code +} and {@code #} are accepted in filters
 * @param sharedSubscriptionAvailable   whether {@code $share/...} is accepted
 * @param allowZeroKeepAlive    whether a client may ask for keep-alive 0 (no timeout); if not, it gets
 *                              {@code maxKeepAlive} (announced as Server Keep Alive to v5 clients)
 * @param maxConnections        connected clients in all, over every MQTT listener (TCP, WebSocket, TLS); beyond
 *                              it CONNECT is refused (v5 0x97 Quota exceeded, 3.1.x return code 3)
 * @param maxConnectionsPerAddress connected clients per source address (as PROXY protocol reports it), refused
 *                              like {@code maxConnections}
 * @param connectRate           CONNECTs per second over every MQTT listener (a token bucket); beyond it CONNECT is
 *                              refused (v5 0x9F Connection rate exceeded, 3.1.x return code 3)
 * @param connectBurst          CONNECTs the bucket lets through at once (at least 1 when {@code connectRate} is set)
 * @param maxPublishRate        PUBLISHes per second one connection may send; beyond it the broker stops reading
 *                              the connection until the rate is kept (bursts of one second's worth pass)
 * @param maxPublishBytesRate   PUBLISH payload bytes per second one connection may send, throttled the same way
 * @param maxSubscriptionsPerClient subscriptions one session may hold; one more is refused in SUBACK (v5 0x97
 *                              Quota exceeded, 3.1.x 0x80)
 * @param maxTopicLength        longest topic name or filter, in UTF-8 bytes (at most 65,535)
 * @param maxRetainedMessages   retained messages the broker keeps; a new topic beyond it is not retained
 * @param maxRetainedBytes      payload bytes of all retained messages; a message that would exceed it is not retained
 * @param maxQueuedBytes        payload bytes queued per session, beside {@code maxQueuedMessages}; beyond it new
 *                              messages are dropped like beyond {@code maxQueuedMessages}
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
        boolean allowZeroKeepAlive,
        int maxConnections,
        int maxConnectionsPerAddress,
        int connectRate,
        int connectBurst,
        int maxPublishRate,
        long maxPublishBytesRate,
        int maxSubscriptionsPerClient,
        int maxTopicLength,
        int maxRetainedMessages,
        long maxRetainedBytes,
        long maxQueuedBytes) {

    /** Default of {@link #maxConnections}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 100_000;
    /** Default of {@link #maxConnectionsPerAddress}: no limit (devices behind NAT and load balancers share one). */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 0;
    /** Default of {@link #connectRate}. */
    public static final int DEFAULT_CONNECT_RATE = 1000;
    /** Default of {@link #connectBurst}. */
    public static final int DEFAULT_CONNECT_BURST = 2000;
    /** Default of {@link #maxPublishRate}. */
    public static final int DEFAULT_MAX_PUBLISH_RATE = 10_000;
    /** Default of {@link #maxPublishBytesRate}: 10 MiB/s. */
    public static final long DEFAULT_MAX_PUBLISH_BYTES_RATE = 10L << 20;
    /** Default of {@link #maxSubscriptionsPerClient}. */
    public static final int DEFAULT_MAX_SUBSCRIPTIONS_PER_CLIENT = 1000;
    /** Default of {@link #maxTopicLength}. */
    public static final int DEFAULT_MAX_TOPIC_LENGTH = 4096;
    /** Default of {@link #maxRetainedMessages}. */
    public static final int DEFAULT_MAX_RETAINED_MESSAGES = 1_000_000;
    /** Default of {@link #maxRetainedBytes}: 256 MiB. */
    public static final long DEFAULT_MAX_RETAINED_BYTES = 256L << 20;
    /** Default of {@link #maxQueuedBytes}: 16 MiB. */
    public static final long DEFAULT_MAX_QUEUED_BYTES = 16L << 20;

    /** Limits that allow keep-alive 0 (the default, as in EMQX and HiveMQ), with the default resource limits. */
    public MqttConfig(int maxPacketSize, int receiveMaximum, int maxInflight, int maxQueuedMessages,
                      int topicAliasMaximum, Duration maxSessionExpiry, Duration maxKeepAlive, Duration connectTimeout,
                      int maxTopicLevels, boolean retainAvailable, boolean wildcardSubscriptionAvailable,
                      boolean sharedSubscriptionAvailable) {
        this(maxPacketSize, receiveMaximum, maxInflight, maxQueuedMessages, topicAliasMaximum, maxSessionExpiry,
                maxKeepAlive, connectTimeout, maxTopicLevels, retainAvailable, wildcardSubscriptionAvailable,
                sharedSubscriptionAvailable, true);
    }

    /** Protocol limits with the default resource limits (connections, rates, subscriptions, retained, queues). */
    public MqttConfig(int maxPacketSize, int receiveMaximum, int maxInflight, int maxQueuedMessages,
                      int topicAliasMaximum, Duration maxSessionExpiry, Duration maxKeepAlive, Duration connectTimeout,
                      int maxTopicLevels, boolean retainAvailable, boolean wildcardSubscriptionAvailable,
                      boolean sharedSubscriptionAvailable, boolean allowZeroKeepAlive) {
        this(maxPacketSize, receiveMaximum, maxInflight, maxQueuedMessages, topicAliasMaximum, maxSessionExpiry,
                maxKeepAlive, connectTimeout, maxTopicLevels, retainAvailable, wildcardSubscriptionAvailable,
                sharedSubscriptionAvailable, allowZeroKeepAlive, DEFAULT_MAX_CONNECTIONS,
                DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, DEFAULT_CONNECT_RATE, DEFAULT_CONNECT_BURST,
                DEFAULT_MAX_PUBLISH_RATE, DEFAULT_MAX_PUBLISH_BYTES_RATE, DEFAULT_MAX_SUBSCRIPTIONS_PER_CLIENT,
                DEFAULT_MAX_TOPIC_LENGTH, DEFAULT_MAX_RETAINED_MESSAGES, DEFAULT_MAX_RETAINED_BYTES,
                DEFAULT_MAX_QUEUED_BYTES);
    }

    /** A copy with another keep-alive policy. */
    public MqttConfig withKeepAlive(Duration max, boolean allowZero) {
        return new MqttConfig(maxPacketSize, receiveMaximum, maxInflight, maxQueuedMessages, topicAliasMaximum,
                maxSessionExpiry, max, connectTimeout, maxTopicLevels, retainAvailable, wildcardSubscriptionAvailable,
                sharedSubscriptionAvailable, allowZero, maxConnections, maxConnectionsPerAddress, connectRate,
                connectBurst, maxPublishRate, maxPublishBytesRate, maxSubscriptionsPerClient, maxTopicLength,
                maxRetainedMessages, maxRetainedBytes, maxQueuedBytes);
    }

    /** A copy with other connection limits: in all, per address, and the connect rate and burst. */
    public MqttConfig withConnectionLimits(int max, int perAddress, int rate, int burst) {
        return new MqttConfig(maxPacketSize, receiveMaximum, maxInflight, maxQueuedMessages, topicAliasMaximum,
                maxSessionExpiry, maxKeepAlive, connectTimeout, maxTopicLevels, retainAvailable,
                wildcardSubscriptionAvailable, sharedSubscriptionAvailable, allowZeroKeepAlive, max, perAddress, rate,
                burst, maxPublishRate, maxPublishBytesRate, maxSubscriptionsPerClient, maxTopicLength,
                maxRetainedMessages, maxRetainedBytes, maxQueuedBytes);
    }

    /** A copy with other per-connection publish rates (messages and payload bytes per second). */
    public MqttConfig withPublishRates(int messages, long bytes) {
        return new MqttConfig(maxPacketSize, receiveMaximum, maxInflight, maxQueuedMessages, topicAliasMaximum,
                maxSessionExpiry, maxKeepAlive, connectTimeout, maxTopicLevels, retainAvailable,
                wildcardSubscriptionAvailable, sharedSubscriptionAvailable, allowZeroKeepAlive, maxConnections,
                maxConnectionsPerAddress, connectRate, connectBurst, messages, bytes, maxSubscriptionsPerClient,
                maxTopicLength, maxRetainedMessages, maxRetainedBytes, maxQueuedBytes);
    }

    /** A copy with other topic limits: subscriptions per client, topic length and levels. */
    public MqttConfig withTopicLimits(int subscriptionsPerClient, int topicLength, int topicLevels) {
        return new MqttConfig(maxPacketSize, receiveMaximum, maxInflight, maxQueuedMessages, topicAliasMaximum,
                maxSessionExpiry, maxKeepAlive, connectTimeout, topicLevels, retainAvailable,
                wildcardSubscriptionAvailable, sharedSubscriptionAvailable, allowZeroKeepAlive, maxConnections,
                maxConnectionsPerAddress, connectRate, connectBurst, maxPublishRate, maxPublishBytesRate,
                subscriptionsPerClient, topicLength, maxRetainedMessages, maxRetainedBytes, maxQueuedBytes);
    }

    /** A copy with other limits of stored messages: retained (count, bytes) and queued per session (count, bytes). */
    public MqttConfig withStorageLimits(int retainedMessages, long retainedBytes, int queuedMessages, long queuedBytes) {
        return new MqttConfig(maxPacketSize, receiveMaximum, maxInflight, queuedMessages, topicAliasMaximum,
                maxSessionExpiry, maxKeepAlive, connectTimeout, maxTopicLevels, retainAvailable,
                wildcardSubscriptionAvailable, sharedSubscriptionAvailable, allowZeroKeepAlive, maxConnections,
                maxConnectionsPerAddress, connectRate, connectBurst, maxPublishRate, maxPublishBytesRate,
                maxSubscriptionsPerClient, maxTopicLength, retainedMessages, retainedBytes, queuedBytes);
    }
}
