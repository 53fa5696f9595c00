package io.pulsemq.broker.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Keys of the session column families: the client ID in UTF-8, then for per-client records a 0x00 separator
 * and a suffix. MQTT client IDs cannot contain U+0000 and UTF-8 never produces a 0x00 byte for another code
 * point, so {@code clientId + 0x00} is a prefix of exactly that client's keys ("a" never covers "ab"), and
 * sorting keys bytewise sorts clients the same way in every column family.
 */
final class SessionKeys {

    private static final byte SEPARATOR = 0x00;

    private SessionKeys() {
    }

    /** Key of a session's metadata in {@link ColumnFamily#SESSIONS}: the bare client ID. */
    static byte[] session(String clientId) {
        return utf8(clientId);
    }

    /** The prefix of every key of {@code clientId} in the per-client column families. */
    static byte[] clientPrefix(String clientId) {
        return clientPrefix(utf8(clientId));
    }

    /** The per-client prefix for a {@link #session} key. */
    static byte[] clientPrefix(byte[] sessionKey) {
        byte[] prefix = Arrays.copyOf(sessionKey, sessionKey.length + 1);
        prefix[sessionKey.length] = SEPARATOR;
        return prefix;
    }

    /** Key of a subscription: prefix, then the full filter ({@code $share/name/filter} for shared ones). */
    static byte[] subscription(String clientId, String fullFilter) {
        byte[] prefix = clientPrefix(clientId);
        byte[] filter = fullFilter.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(prefix.length + filter.length).put(prefix).put(filter).array();
    }

    /**
     * Key of an outbound message: prefix, then the sequence number as 8 bytes big-endian with the sign bit
     * flipped, so that bytewise key order is numeric order for every long.
     */
    static byte[] outbound(String clientId, long seq) {
        byte[] prefix = clientPrefix(clientId);
        return ByteBuffer.allocate(prefix.length + Long.BYTES).put(prefix).putLong(seq ^ Long.MIN_VALUE).array();
    }

    /** Key of an inbound QoS 2 packet ID: prefix, then the ID as 2 bytes big-endian. */
    static byte[] inboundQos2(String clientId, int packetId) {
        if (packetId < 0 || packetId > 0xFFFF) {
            throw new IllegalArgumentException("Packet ID out of range: " + packetId);
        }
        byte[] prefix = clientPrefix(clientId);
        return ByteBuffer.allocate(prefix.length + Short.BYTES).put(prefix).putShort((short) packetId).array();
    }

    /** The packet ID of an {@link #inboundQos2} key. */
    static int packetId(byte[] inboundQos2Key) {
        int n = inboundQos2Key.length;
        return ((inboundQos2Key[n - 2] & 0xFF) << 8) | (inboundQos2Key[n - 1] & 0xFF);
    }

    private static byte[] utf8(String clientId) {
        if (clientId.indexOf('\u0000') >= 0) {
            // [MQTT-1.5.4-2] A UTF-8 encoded string must not include U+0000; the key layout relies on it.
            throw new IllegalArgumentException("Client ID contains U+0000");
        }
        return clientId.getBytes(StandardCharsets.UTF_8);
    }
}
