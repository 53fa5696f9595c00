package io.pulsemq.broker.config;

import java.time.Duration;

/**
 * The server SDK endpoint (AMQP 0-9-1, {@code listeners.amqp}).
 *
 * @param signatureMaxAge         how old the SDK's signed timestamp (client property {@code signKey}) may be;
 *                                the SDK signs once in {@code start()} and reuses that timestamp for every
 *                                automatic reconnect, so this also bounds how long an SDK process can keep
 *                                reconnecting without a restart. {@code 0} disables the check
 * @param signatureMaxClockSkew   how far in the future a signed timestamp may be (clock differences)
 * @param heartbeat               the heartbeat interval the broker proposes in {@code connection.tune}; the client
 *                                may lower it, or disable it with 0; a connection that sends nothing for two
 *                                intervals is closed
 * @param frameMax                largest frame, in bytes, the broker proposes and accepts
 * @param channelMax              most channels per connection
 * @param topicQueueMaxMessages   most undelivered device messages one parent-topic queue holds; beyond it new
 *                                messages for that queue are dropped (and counted)
 * @param redeliveryDelay         delay before an event or message the consumer rejected ({@code basic.nack} or
 *                                {@code basic.reject} with {@code requeue=false}) is delivered again; doubles
 *                                on each further rejection, up to 64 times this value
 * @param maxQueuesPerConnection  most distinct queues (status groups and parent topics) one connection may consume
 *                                or declare; each is durable state (a group cursor, a topic queue)
 * @param maxConsumersPerConnection most consumers ({@code basic.consume}) open on one connection, over all its
 *                                channels; one more is refused with {@code channel.close} 403
 * @param maxUnackedPerConnection most deliveries one connection has unacknowledged, over all its consumers; each
 *                                consumer's prefetch ({@code basic.qos}, 0 = none) is capped at it, and deliveries
 *                                wait while the connection holds this many
 */
public record AmqpConfig(
        Duration signatureMaxAge,
        Duration signatureMaxClockSkew,
        Duration heartbeat,
        int frameMax,
        int channelMax,
        int topicQueueMaxMessages,
        Duration redeliveryDelay,
        int maxQueuesPerConnection,
        int maxConsumersPerConnection,
        int maxUnackedPerConnection) {

    /** Default of {@link #maxConsumersPerConnection}. */
    public static final int DEFAULT_MAX_CONSUMERS_PER_CONNECTION = 1024;
    /** Default of {@link #maxUnackedPerConnection}. */
    public static final int DEFAULT_MAX_UNACKED_PER_CONNECTION = 10_000;

    /** Settings with the default consumer and unacknowledged-delivery limits. */
    public AmqpConfig(Duration signatureMaxAge, Duration signatureMaxClockSkew, Duration heartbeat, int frameMax,
                      int channelMax, int topicQueueMaxMessages, Duration redeliveryDelay, int maxQueuesPerConnection) {
        this(signatureMaxAge, signatureMaxClockSkew, heartbeat, frameMax, channelMax, topicQueueMaxMessages,
                redeliveryDelay, maxQueuesPerConnection, DEFAULT_MAX_CONSUMERS_PER_CONNECTION,
                DEFAULT_MAX_UNACKED_PER_CONNECTION);
    }

    /** The built-in defaults (also in {@code pulsemq-defaults.yaml}). */
    public static AmqpConfig defaults() {
        return new AmqpConfig(Duration.ofDays(30), Duration.ofMinutes(5), Duration.ofSeconds(60), 131_072, 2047,
                100_000, Duration.ofSeconds(1), 256);
    }

    /** A copy with other per-connection limits: queues, consumers and unacknowledged deliveries. */
    public AmqpConfig withConnectionLimits(int queues, int consumers, int unacked) {
        return new AmqpConfig(signatureMaxAge, signatureMaxClockSkew, heartbeat, frameMax, channelMax,
                topicQueueMaxMessages, redeliveryDelay, queues, consumers, unacked);
    }
}
