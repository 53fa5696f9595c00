package io.pulsemq.broker.message;

import java.util.List;

/**
 * An application message as the broker routes and stores it: immutable, independent of the
 * MQTT version it arrived with. The payload array is never modified after construction.
 *
 * @param topic           topic name (never an alias)
 * @param qos             QoS the publisher used (0, 1, 2)
 * @param retain          the RETAIN flag as published
 * @param payload         payload bytes
 * @param payloadUtf8     v5 Payload Format Indicator = 1
 * @param expiryAt        epoch ms after which the message must not be delivered; 0 = never expires
 * @param contentType     v5 Content Type, or null
 * @param responseTopic   v5 Response Topic, or null
 * @param correlationData v5 Correlation Data, or null
 * @param userProperties  v5 User Properties, in order
 * @param publisherId     client ID of the publisher ("" for the broker itself)
 * @param createdAt       epoch ms when the broker received it
 * @param origin          the cluster node the message was published on, when that is another node than this one; null
 *                        for a message published here (every message in single-node mode). A message with an origin
 *                        is delivered to this node's subscribers only, never forwarded to other nodes again
 */
public record Message(
        String topic,
        int qos,
        boolean retain,
        byte[] payload,
        boolean payloadUtf8,
        long expiryAt,
        String contentType,
        String responseTopic,
        byte[] correlationData,
        List<UserProperty> userProperties,
        String publisherId,
        long createdAt,
        String origin) {

    public Message {
        userProperties = userProperties == null ? List.of() : List.copyOf(userProperties);
    }

    /** A message published on this node (no {@link #origin()}). */
    public Message(String topic, int qos, boolean retain, byte[] payload, boolean payloadUtf8, long expiryAt,
                   String contentType, String responseTopic, byte[] correlationData, List<UserProperty> userProperties,
                   String publisherId, long createdAt) {
        this(topic, qos, retain, payload, payloadUtf8, expiryAt, contentType, responseTopic, correlationData,
                userProperties, publisherId, createdAt, null);
    }

    /** A plain message without v5 properties. */
    public static Message of(String topic, int qos, boolean retain, byte[] payload, String publisherId, long now) {
        return new Message(topic, qos, retain, payload, false, 0, null, null, null, List.of(), publisherId, now);
    }

    /** Whether the message has expired at {@code now} (epoch ms). */
    public boolean expiredAt(long now) {
        return expiryAt != 0 && now >= expiryAt;
    }

    /** A copy with another QoS and RETAIN flag, as delivered to one subscriber. */
    public Message withQosAndRetain(int newQos, boolean newRetain) {
        if (newQos == qos && newRetain == retain) {
            return this;
        }
        return new Message(topic, newQos, newRetain, payload, payloadUtf8, expiryAt, contentType, responseTopic,
                correlationData, userProperties, publisherId, createdAt, origin);
    }

    /** A copy that came from cluster node {@code node} (see {@link #origin()}). */
    public Message withOrigin(String node) {
        return new Message(topic, qos, retain, payload, payloadUtf8, expiryAt, contentType, responseTopic,
                correlationData, userProperties, publisherId, createdAt, node);
    }

    /** One v5 user property. */
    public record UserProperty(String key, String value) {
    }
}
