package io.pulsemq.broker.mqtt;

/**
 * Why a CONNECT is refused or a connection is closed for a protocol reason. Each MQTT version maps
 * it to its own code ({@link ProtocolVersion#connAckCode}); v5 sends {@link #v5Code} in CONNACK or
 * DISCONNECT. A {@link #v3Code} of {@link #NO_V3_CODE} means MQTT 3.1.x has no return code for it:
 * the connection is closed without a CONNACK.
 */
enum Refusal {
    UNSUPPORTED_PROTOCOL_VERSION(0x01, 0x84),
    CLIENT_ID_REJECTED(0x02, 0x85),
    SERVER_UNAVAILABLE(0x03, 0x88),
    SERVER_BUSY(0x03, 0x89),
    BAD_CREDENTIALS(0x04, 0x86),
    NOT_AUTHORIZED(0x05, 0x87),
    /** On the ban list (or banned automatically by the login guard). */
    BANNED(0x05, 0x8A),
    MALFORMED_PACKET(-1, 0x81),
    PROTOCOL_ERROR(-1, 0x82),
    BAD_AUTHENTICATION_METHOD(0x05, 0x8C),
    TOPIC_NAME_INVALID(-1, 0x90),
    /** A limit of the broker (connections in all or per address): 3.1.x knows only "server unavailable". */
    QUOTA_EXCEEDED(0x03, 0x97),
    /** {@code mqtt.connectRate}. */
    CONNECTION_RATE_EXCEEDED(0x03, 0x9F),
    RECEIVE_MAXIMUM_EXCEEDED(-1, 0x93),
    TOPIC_ALIAS_INVALID(-1, 0x94),
    PACKET_TOO_LARGE(-1, 0x95),
    RETAIN_NOT_SUPPORTED(-1, 0x9A),
    QOS_NOT_SUPPORTED(-1, 0x9B);

    /** MQTT 3.1.x closes without CONNACK for this refusal. */
    static final int NO_V3_CODE = -1;

    final byte v3Code;
    final byte v5Code;

    Refusal(int v3Code, int v5Code) {
        this.v3Code = (byte) v3Code;
        this.v5Code = (byte) v5Code;
    }
}
