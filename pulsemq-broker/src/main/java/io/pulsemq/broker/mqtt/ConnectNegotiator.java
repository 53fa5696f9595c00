package io.pulsemq.broker.mqtt;

import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.pulsemq.broker.config.BrokerConfig;
import io.pulsemq.broker.config.MqttConfig;
import io.pulsemq.broker.limits.Limit;
import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.session.Will;
import io.pulsemq.broker.subscription.Topics;
import io.pulsemq.protocol.ClientIds;

import java.util.function.Supplier;

/**
 * Decides what a CONNECT asks for and what the broker grants: client ID, keep-alive, session expiry,
 * flow-control limits and the will. Pure: it returns a {@link Decision}; the connection handler acts
 * on it. Authentication is decided separately by the authenticator.
 */
final class ConnectNegotiator {

    /** v5 Session Expiry Interval meaning "never expires". */
    private static final long EXPIRY_NEVER = 0xFFFFFFFFL;

    private final BrokerConfig config;
    private final Supplier<String> idGenerator;

    ConnectNegotiator(BrokerConfig config, Supplier<String> idGenerator) {
        this.config = config;
        this.idGenerator = idGenerator;
    }

    /**
     * What the broker grants a connection.
     *
     * @param version             the client's MQTT version
     * @param clientId            the client ID to use (assigned when the client sent none)
     * @param assignedClientId    whether the broker assigned it (v5 returns it in CONNACK)
     * @param cleanStart          clean session / clean start
     * @param keepAlive           keep-alive in seconds (0: none)
     * @param serverKeepAlive     whether the broker overrode the client's keep-alive (v5 announces it)
     * @param sessionExpiry       session expiry interval in seconds
     * @param expiryCapped        whether the broker lowered the requested expiry (v5 announces it)
     * @param clientReceiveMaximum the client's Receive Maximum (65535 when absent)
     * @param clientMaxPacketSize the client's Maximum Packet Size (0: no limit)
     * @param clientTopicAliasMaximum how many aliases the broker may use towards the client
     * @param will                the will, or null
     * @param username            the username, or null
     */
    record Negotiated(
            ProtocolVersion version,
            String clientId,
            boolean assignedClientId,
            boolean cleanStart,
            int keepAlive,
            boolean serverKeepAlive,
            long sessionExpiry,
            boolean expiryCapped,
            int clientReceiveMaximum,
            int clientMaxPacketSize,
            int clientTopicAliasMaximum,
            Will will,
            String username) {
    }

    /**
     * Either {@link #granted} or a {@link #refusal} with a secret-free explanation, and the {@link #limit} behind the
     * refusal when a configured limit (rather than the protocol) refused it.
     */
    record Decision(Negotiated granted, Refusal refusal, String detail, Limit limit) {
        static Decision refuse(Refusal refusal, String detail) {
            return new Decision(null, refusal, detail, null);
        }

        static Decision refuse(Refusal refusal, String detail, Limit limit) {
            return new Decision(null, refusal, detail, limit);
        }
    }

    Decision decide(MqttConnectMessage connect, long now) {
        MqttConnectVariableHeader header = connect.variableHeader();
        MqttConnectPayload payload = connect.payload();
        MqttConfig limits = config.mqtt();
        ProtocolVersion version = ProtocolVersion.ofLevel(header.version());
        if (version == null) {
            return Decision.refuse(Refusal.UNSUPPORTED_PROTOCOL_VERSION, "protocol level " + header.version());
        }
        MqttProperties props = version.hasProperties() ? header.properties() : MqttProperties.NO_PROPERTIES;
        if (props.getProperty(MqttProperties.AUTHENTICATION_METHOD) != null) {
            return Decision.refuse(Refusal.BAD_AUTHENTICATION_METHOD, "enhanced authentication is not supported");
        }
        boolean cleanStart = header.isCleanSession();

        String clientId = payload.clientIdentifier() == null ? "" : payload.clientIdentifier();
        boolean assigned = false;
        if (clientId.isEmpty()) {
            if (!version.acceptsEmptyClientId(cleanStart)) {
                return Decision.refuse(Refusal.CLIENT_ID_REJECTED, "empty client ID without clean session");
            }
            clientId = idGenerator.get();
            assigned = true;
        } else if (config.clientIds().strict() && !ClientIds.isStrictlyValid(clientId)) {
            return Decision.refuse(Refusal.CLIENT_ID_REJECTED, "client ID does not follow GID_x@@@device");
        }

        int requestedKeepAlive = header.keepAliveTimeSeconds();
        int keepAlive = keepAlive(limits, requestedKeepAlive);
        // [MQTT-3.1.2-21]: a v5 client must use the Server Keep Alive the broker sends; a 3.1.x client is not told,
        // the broker just applies its own timeout
        boolean serverKeepAlive = version.hasProperties() && keepAlive != requestedKeepAlive;

        long maxExpiry = limits.maxSessionExpiry().toSeconds();
        long expiry;
        boolean capped = false;
        if (version.hasProperties()) {
            long requested = intProperty(props, MqttProperties.SESSION_EXPIRY_INTERVAL, 0) & EXPIRY_NEVER;
            expiry = Math.min(requested, maxExpiry);
            capped = expiry != requested;
        } else {
            expiry = cleanStart ? 0 : maxExpiry; // [MQTT-3.1.2-6]: a 3.1.x session lasts until cleaned
        }

        int receiveMaximum = intProperty(props, MqttProperties.RECEIVE_MAXIMUM, 65535);
        if (receiveMaximum == 0) {
            // MQTT 5.0 section 3.1.2.11.3: a Receive Maximum of 0 is a Protocol Error
            return Decision.refuse(Refusal.PROTOCOL_ERROR, "Receive Maximum 0");
        }
        int maxPacketSize = intProperty(props, MqttProperties.MAXIMUM_PACKET_SIZE, 0);
        if (props.getProperty(MqttProperties.MAXIMUM_PACKET_SIZE) != null && maxPacketSize == 0) {
            return Decision.refuse(Refusal.PROTOCOL_ERROR, "Maximum Packet Size 0");
        }
        int topicAliasMaximum = intProperty(props, MqttProperties.TOPIC_ALIAS_MAXIMUM, 0);

        if (header.willQos() > 2) {
            return Decision.refuse(Refusal.MALFORMED_PACKET, "will QoS 3"); // [MQTT-3.1.2-14]
        }
        if (!header.isWillFlag() && (header.willQos() != 0 || header.isWillRetain())) {
            return Decision.refuse(Refusal.MALFORMED_PACKET, "will QoS or retain without a will"); // [MQTT-3.1.2-13], [MQTT-3.1.2-15]
        }
        Will will = null;
        if (header.isWillFlag()) {
            String topic = payload.willTopic();
            Topics.Check check = topic == null ? Topics.Check.INVALID
                    : Topics.checkTopicName(topic, limits.maxTopicLevels(), limits.maxTopicLength());
            switch (check) {
                case INVALID:
                    return Decision.refuse(Refusal.TOPIC_NAME_INVALID, "invalid will topic");
                case TOO_DEEP:
                    return Decision.refuse(Refusal.TOPIC_NAME_INVALID, "will topic deeper than mqtt.maxTopicLevels ("
                            + limits.maxTopicLevels() + ")", Limit.MQTT_MAX_TOPIC_LEVELS);
                case TOO_LONG:
                    return Decision.refuse(Refusal.TOPIC_NAME_INVALID, "will topic longer than mqtt.maxTopicLength ("
                            + limits.maxTopicLength() + " bytes)", Limit.MQTT_MAX_TOPIC_LENGTH);
                default:
                    break;
            }
            if (header.isWillRetain() && !limits.retainAvailable()) {
                return Decision.refuse(Refusal.RETAIN_NOT_SUPPORTED, "retained will");
            }
            MqttProperties willProps = version.hasProperties() && payload.willProperties() != null
                    ? payload.willProperties() : MqttProperties.NO_PROPERTIES;
            byte[] body = payload.willMessageInBytes() == null ? new byte[0] : payload.willMessageInBytes();
            Message message = MqttMessages.toMessage(topic, header.willQos(), header.isWillRetain(), body, willProps,
                    clientId, now);
            long delay = intProperty(willProps, MqttProperties.WILL_DELAY_INTERVAL, 0) & EXPIRY_NEVER;
            will = new Will(message, delay);
        }

        return new Decision(new Negotiated(version, clientId, assigned, cleanStart, keepAlive, serverKeepAlive, expiry,
                capped, Math.min(receiveMaximum, limits.maxInflight()), maxPacketSize, topicAliasMaximum, will,
                payload.userName()), null, null, null);
    }

    static int intProperty(MqttProperties props, int id, int absent) {
        MqttProperties.MqttProperty<?> p = props.getProperty(id);
        return p == null ? absent : (Integer) p.value();
    }

    /**
     * The keep-alive the broker applies for a client that asked for {@code requested} seconds: the request,
     * unless it exceeds {@code mqtt.maxKeepAlive} or is 0 (no timeout) while {@code mqtt.allowZeroKeepAlive}
     * is off; then the maximum.
     */
    static int keepAlive(MqttConfig limits, int requested) {
        int max = (int) Math.min(65535, limits.maxKeepAlive().toSeconds());
        if (requested > max || (requested == 0 && !limits.allowZeroKeepAlive())) {
            return max;
        }
        return requested;
    }
}
