package io.pulsemq.broker.mqtt;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.pulsemq.broker.message.Message;

import java.util.ArrayList;
import java.util.List;

/**
 * Conversions between Netty's MQTT packets and the broker's {@link Message}, and the small packets
 * the broker sends. Stateless.
 */
final class MqttMessages {

    /** PINGRESP has no variable part; one instance serves every connection. */
    static final MqttMessage PINGRESP = new MqttMessage(
            new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0));

    private MqttMessages() {
    }

    /** Builds a {@link Message} from a PUBLISH's (or a will's) fields and v5 properties. */
    static Message toMessage(String topic, int qos, boolean retain, byte[] payload, MqttProperties props,
                             String publisherId, long now) {
        if (props.isEmpty()) {
            return Message.of(topic, qos, retain, payload, publisherId, now);
        }
        boolean utf8 = ConnectNegotiator.intProperty(props, MqttProperties.PAYLOAD_FORMAT_INDICATOR, 0) == 1;
        long expiryInterval = ConnectNegotiator.intProperty(props, MqttProperties.PUBLICATION_EXPIRY_INTERVAL, -1);
        long expiryAt = expiryInterval < 0 ? 0 : now + (expiryInterval & 0xFFFFFFFFL) * 1000;
        String contentType = stringProperty(props, MqttProperties.CONTENT_TYPE);
        String responseTopic = stringProperty(props, MqttProperties.RESPONSE_TOPIC);
        MqttProperties.MqttProperty<?> correlation = props.getProperty(MqttProperties.CORRELATION_DATA);
        byte[] correlationData = correlation == null ? null : (byte[]) correlation.value();
        List<Message.UserProperty> user = List.of();
        MqttProperties.MqttProperty<?> up = props.getProperty(MqttProperties.USER_PROPERTY);
        if (up instanceof MqttProperties.UserProperties) {
            List<MqttProperties.StringPair> pairs = ((MqttProperties.UserProperties) up).value();
            user = new ArrayList<>(pairs.size());
            for (MqttProperties.StringPair pair : pairs) {
                user.add(new Message.UserProperty(pair.key, pair.value));
            }
        }
        return new Message(topic, qos, retain, payload, utf8, expiryAt, contentType, responseTopic, correlationData,
                user, publisherId, now);
    }

    /**
     * Builds an outbound PUBLISH. The payload is wrapped, not copied.
     *
     * @param topicName       the topic, or "" when {@code topicAlias} alone names it
     * @param topicAlias      the alias to send, or 0
     * @param withProperties  whether the client speaks v5
     */
    static MqttPublishMessage publish(Message m, String topicName, int topicAlias, int packetId, boolean dup,
                                      List<Integer> subscriptionIds, boolean withProperties, long now) {
        MqttProperties props = withProperties ? outboundProperties(m, topicAlias, subscriptionIds, now)
                : MqttProperties.NO_PROPERTIES;
        MqttFixedHeader fixed = new MqttFixedHeader(MqttMessageType.PUBLISH, dup, MqttQoS.valueOf(m.qos()), m.retain(), 0);
        return new MqttPublishMessage(fixed, new MqttPublishVariableHeader(topicName, packetId, props),
                Unpooled.wrappedBuffer(m.payload()));
    }

    private static MqttProperties outboundProperties(Message m, int topicAlias, List<Integer> subscriptionIds, long now) {
        boolean plain = topicAlias == 0 && subscriptionIds.isEmpty() && !m.payloadUtf8() && m.expiryAt() == 0
                && m.contentType() == null && m.responseTopic() == null && m.correlationData() == null
                && m.userProperties().isEmpty();
        if (plain) {
            return MqttProperties.NO_PROPERTIES;
        }
        MqttProperties props = new MqttProperties();
        if (m.payloadUtf8()) {
            props.add(new MqttProperties.IntegerProperty(MqttProperties.PAYLOAD_FORMAT_INDICATOR, 1));
        }
        if (m.expiryAt() != 0) {
            // [MQTT-3.3.2-6]: the interval sent is what remains of it
            long remaining = Math.max(1, (m.expiryAt() - now + 999) / 1000);
            props.add(new MqttProperties.IntegerProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL, (int) remaining));
        }
        if (topicAlias != 0) {
            props.add(new MqttProperties.IntegerProperty(MqttProperties.TOPIC_ALIAS, topicAlias));
        }
        if (m.contentType() != null) {
            props.add(new MqttProperties.StringProperty(MqttProperties.CONTENT_TYPE, m.contentType()));
        }
        if (m.responseTopic() != null) {
            props.add(new MqttProperties.StringProperty(MqttProperties.RESPONSE_TOPIC, m.responseTopic()));
        }
        if (m.correlationData() != null) {
            props.add(new MqttProperties.BinaryProperty(MqttProperties.CORRELATION_DATA, m.correlationData()));
        }
        for (Message.UserProperty p : m.userProperties()) {
            props.add(new MqttProperties.UserProperty(p.key(), p.value()));
        }
        for (int id : subscriptionIds) {
            props.add(new MqttProperties.IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER, id));
        }
        return props;
    }

    /**
     * The encoded size of the v5 PUBLISH {@link #publish} builds for {@code m} with its full topic name,
     * counting a Topic Alias property when {@code withTopicAlias} (replacing the topic by an alias only
     * makes the packet smaller). Exact, so a message that fits the client's Maximum Packet Size to the
     * byte is sent [MQTT-3.1.2-24].
     */
    static long publishSize(Message m, List<Integer> subscriptionIds, boolean withTopicAlias) {
        long props = 0;
        if (m.payloadUtf8()) {
            props += 2;
        }
        if (m.expiryAt() != 0) {
            props += 5;
        }
        if (withTopicAlias) {
            props += 3;
        }
        if (m.contentType() != null) {
            props += 3 + ByteBufUtil.utf8Bytes(m.contentType());
        }
        if (m.responseTopic() != null) {
            props += 3 + ByteBufUtil.utf8Bytes(m.responseTopic());
        }
        if (m.correlationData() != null) {
            props += 3 + m.correlationData().length;
        }
        for (Message.UserProperty p : m.userProperties()) {
            props += 5 + ByteBufUtil.utf8Bytes(p.key()) + ByteBufUtil.utf8Bytes(p.value());
        }
        for (int id : subscriptionIds) {
            props += 1 + varIntSize(id);
        }
        long remaining = 2 + ByteBufUtil.utf8Bytes(m.topic()) + (m.qos() > 0 ? 2 : 0) + varIntSize(props) + props
                + m.payload().length;
        return 1 + varIntSize(remaining) + remaining;
    }

    /** Bytes of a Variable Byte Integer (MQTT 5.0 section 1.5.5). */
    private static int varIntSize(long value) {
        int bytes = 1;
        while (value >= 128) {
            value >>>= 7;
            bytes++;
        }
        return bytes;
    }

    /** PUBACK, PUBREC, PUBREL or PUBCOMP with a reason code (omitted on the wire for v3 and for 0). */
    static MqttMessage pubReply(MqttMessageType type, int packetId, byte reasonCode) {
        MqttQoS qos = type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE;
        return new MqttMessage(new MqttFixedHeader(type, false, qos, false, 0),
                new MqttPubReplyMessageVariableHeader(packetId, reasonCode, MqttProperties.NO_PROPERTIES));
    }

    private static String stringProperty(MqttProperties props, int id) {
        MqttProperties.MqttProperty<?> p = props.getProperty(id);
        return p == null ? null : (String) p.value();
    }
}
