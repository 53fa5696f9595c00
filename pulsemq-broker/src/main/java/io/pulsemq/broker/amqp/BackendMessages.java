package io.pulsemq.broker.amqp;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.statuslog.StoredEvent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Conversions between the broker's messages and events and what the server SDK sends and parses. Stateless.
 *
 * <p>Device messages to backends carry, as AMQP long-string headers (the SDK's {@code MessageProperties}
 * reads only long strings): {@code mqttParentTopic} (first topic level), {@code mqttSecondTopic} (the rest,
 * with its leading {@code /}; absent for a one-level topic), {@code clientId} (the publisher),
 * {@code bornTime} (epoch ms when the broker received it, as a decimal string), {@code qosLevel}, and
 * {@code mqtt5UserProperty} (JSON {@code [{"key":..,"value":..}]}, only when there are user properties); the
 * MQTT 5 content type as the AMQP content type, and the remaining MQTT 5 message expiry interval, in
 * seconds, as the AMQP expiration.
 *
 * <p>Backend messages to devices ({@code basic.publish}) map back the same way: the AMQP content type and
 * expiration (seconds) and the {@code mqtt5UserProperty} header become MQTT 5 properties; header
 * {@code qosLevel} (0, 1 or 2; default 1) and {@code retain} ({@code true}/{@code false}; default false) set
 * the QoS and RETAIN flag.
 */
final class BackendMessages {

    static final String PARENT_TOPIC = "mqttParentTopic";
    static final String SECOND_TOPIC = "mqttSecondTopic";
    static final String CLIENT_ID = "clientId";
    static final String BORN_TIME = "bornTime";
    static final String USER_PROPERTY = "mqtt5UserProperty";
    static final String QOS = "qosLevel";
    static final String RETAIN = "retain";
    /** Header with the status log offset of a status delivery (the name RabbitMQ streams use). */
    static final String STREAM_OFFSET = "x-stream-offset";
    static final String JSON = "application/json";
    private static final int PERSISTENT = 2;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final TypeReference<List<Map<String, String>>> PAIRS = new TypeReference<>() {
    };

    private BackendMessages() {
    }

    /** A status event as delivered: the event JSON as body, its offset as message ID and header. */
    static QueueEntry statusEntry(StoredEvent e, String queueName) {
        Map<String, Object> headers = new HashMap<>(2);
        headers.put(STREAM_OFFSET, e.offset());
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .contentType(JSON)
                .deliveryMode(PERSISTENT)
                .messageId(Long.toString(e.offset()))
                .timestamp(new Date(e.time()))
                .headers(headers)
                .build();
        return new QueueEntry(e.offset(), e.clientId(), queueName, props, e.json());
    }

    /** A device message as delivered to {@code subscribeTopic} consumers. */
    static QueueEntry topicEntry(Message m, String parentTopic, long seq, long now) {
        Map<String, Object> headers = new HashMap<>(8);
        headers.put(PARENT_TOPIC, parentTopic);
        int slash = m.topic().indexOf('/');
        if (slash >= 0) {
            headers.put(SECOND_TOPIC, m.topic().substring(slash));
        }
        headers.put(CLIENT_ID, m.publisherId());
        headers.put(BORN_TIME, Long.toString(m.createdAt()));
        headers.put(QOS, Integer.toString(m.qos()));
        if (!m.userProperties().isEmpty()) {
            headers.put(USER_PROPERTY, userPropertiesJson(m.userProperties()));
        }
        String expiration = m.expiryAt() == 0 ? null : Long.toString(Math.max(0, (m.expiryAt() - now + 999) / 1000));
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .contentType(m.contentType())
                .expiration(expiration)
                .deliveryMode(PERSISTENT)
                .messageId(parentTopic + ':' + seq)
                .timestamp(new Date(m.createdAt()))
                .headers(headers)
                .build();
        return new QueueEntry(seq, m.publisherId(), m.topic(), props, m.payload());
    }

    /**
     * A backend's {@code basic.publish} as an MQTT message.
     *
     * @throws IllegalArgumentException with the reason when a header or property is invalid
     */
    static Message fromPublish(String topic, AMQP.BasicProperties props, byte[] body, long now) {
        Map<String, Object> headers = props.getHeaders() == null ? Map.of() : props.getHeaders();
        int qos = 1;
        Object q = headers.get(QOS);
        if (q != null) {
            try {
                qos = Integer.parseInt(q.toString().trim());
            } catch (NumberFormatException e) {
                qos = -1;
            }
            if (qos < 0 || qos > 2) {
                throw new IllegalArgumentException("header " + QOS + " must be 0, 1 or 2, was " + q);
            }
        }
        boolean retain = headers.get(RETAIN) != null && Boolean.parseBoolean(headers.get(RETAIN).toString());
        long expiryAt = 0;
        if (props.getExpiration() != null && !props.getExpiration().isBlank()) {
            try {
                long seconds = Long.parseLong(props.getExpiration().trim());
                if (seconds < 0 || seconds > 0xFFFF_FFFFL) {
                    throw new NumberFormatException();
                }
                expiryAt = now + seconds * 1000;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expiration must be the MQTT 5 message expiry interval in seconds, was "
                        + props.getExpiration());
            }
        }
        List<Message.UserProperty> user = List.of();
        Object up = headers.get(USER_PROPERTY);
        if (up != null) {
            user = parseUserProperties(up.toString());
        }
        return new Message(topic, qos, retain, body, false, expiryAt, props.getContentType(), null, null, user, "", now);
    }

    static String userPropertiesJson(List<Message.UserProperty> properties) {
        List<Map<String, String>> pairs = new ArrayList<>(properties.size());
        for (Message.UserProperty p : properties) {
            Map<String, String> pair = new java.util.LinkedHashMap<>(2);
            pair.put("key", p.key());
            pair.put("value", p.value());
            pairs.add(pair);
        }
        try {
            return MAPPER.writeValueAsString(pairs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Message.UserProperty> parseUserProperties(String json) {
        try {
            List<Map<String, String>> pairs = MAPPER.readValue(json, PAIRS);
            List<Message.UserProperty> out = new ArrayList<>(pairs.size());
            for (Map<String, String> pair : pairs) {
                if (pair.get("key") == null || pair.get("value") == null) {
                    throw new IllegalArgumentException("every " + USER_PROPERTY + " entry needs key and value");
                }
                out.add(new Message.UserProperty(pair.get("key"), pair.get("value")));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalArgumentException("header " + USER_PROPERTY + " must be JSON [{\"key\":..,\"value\":..}]");
        }
    }
}
