package io.pulsemq.broker.store;

import java.nio.charset.StandardCharsets;

/**
 * The column families of the {@link RocksStore}. Adding one is a new constant: the store creates missing
 * column families when it opens. A constant must never be renamed once released, since its name is what
 * RocksDB knows it by.
 */
public enum ColumnFamily {
    /** Session metadata, keyed by client ID. */
    SESSIONS("sessions"),
    /** Subscriptions, keyed by client ID, 0x00, full topic filter. */
    SUBSCRIPTIONS("subscriptions"),
    /** Outbound QoS 1 and 2 messages, keyed by client ID, 0x00, sequence number. */
    OUTBOUND("outbound"),
    /** Inbound QoS 2 packet IDs awaiting PUBREL, keyed by client ID, 0x00, packet ID. */
    INBOUND_QOS2("inbound_qos2"),
    /** Retained messages, keyed by topic. */
    RETAINED("retained"),
    /** Small named values: store format version and other broker-wide settings. */
    META("meta"),
    /** The status log: status events keyed by 8-byte big-endian offset. */
    STATUS_LOG("status_log"),
    /** Rejected connection attempts: client ID, 0x00, 8-byte time, 8-byte sequence. */
    REJECTED_CONNECTS("rejected_connects"),
    /** Latest status per client ID (offset of its newest event, then its JSON), written with each status event. */
    PRESENCE("presence"),
    /**
     * Server SDK endpoint state: status-group cursors ({@code status}, 0x00, instance, 0x00, group -> 8-byte
     * offset), the queues of (access key, parent topic) and their cursors ({@code topicq}, 0x00, 4-byte key ID
     * length, key ID, parent topic -> 8-byte sequence).
     */
    AMQP_CURSORS("amqp_cursors"),
    /** Device messages queued for server SDK consumers: 0x00, 4-byte key ID length, key ID, parent topic, 0x00, 8-byte sequence. */
    AMQP_TOPIC_MESSAGES("amqp_topic_messages"),
    /**
     * Will messages by client ID: armed while the client's connection is up (so that a crash does not lose them),
     * pending while they wait for their delay (so that they outlive a restart). 8-byte delay in seconds, 8-byte
     * epoch ms when due (0: armed), then the message.
     */
    WILLS("wills"),
    /** Operator bans (the ban list): kind, 0x00, value -> the ban as JSON. */
    BANS("bans"),
    /** Device credentials (one per client ID): client ID -> the credential as JSON. */
    DEVICE_CREDENTIALS("device_credentials");

    private final String id;

    ColumnFamily(String id) {
        this.id = id;
    }

    /** The name RocksDB knows the column family by. */
    public String id() {
        return id;
    }

    byte[] idBytes() {
        return id.getBytes(StandardCharsets.UTF_8);
    }
}
