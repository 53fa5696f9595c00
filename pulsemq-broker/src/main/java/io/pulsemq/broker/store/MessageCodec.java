package io.pulsemq.broker.store;

import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.session.SessionStore.OutboundMessage;
import io.pulsemq.broker.session.SessionStore.OutboundState;
import io.pulsemq.broker.session.SessionStore.SessionMeta;
import io.pulsemq.broker.subscription.Subscription;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The binary form of the records the store keeps. Every record starts with a one-byte format version
 * ({@link #VERSION}); decoding a record of another version, a truncated record or one with trailing bytes
 * fails with {@link IllegalArgumentException}. Stateless and thread-safe.
 *
 * <p>Version 1 layouts, where {@code varint} is an unsigned LEB128 integer (1 to 10 bytes; negative values
 * round-trip in 10), {@code varint32} is the same for an int taken as unsigned (at most 5 bytes),
 * {@code bytes?} is {@code varint(length + 1)} then the bytes, {@code 0} meaning null, and
 * {@code string?} is {@code bytes?} of the UTF-8 encoding:
 * <pre>
 * Message:      version, string? topic, u8 qos, u8 flags (bit 0 retain, bit 1 payloadUtf8), bytes? payload,
 *               varint expiryAt, string? contentType, string? responseTopic, bytes? correlationData,
 *               varint32 count, count x (string? key, string? value), string? publisherId, varint createdAt
 * Subscription: version, string? clientId, string? filter, string? shareName, u8 qos,
 *               u8 flags (bit 0 noLocal, bit 1 retainAsPublished), u8 retainHandling, varint32 subscriptionId
 * SessionMeta:  version, string? clientId, u8 protocolVersion, varint expirySeconds, varint disconnectedAt
 * Outbound:     version, varint seq, varint32 packetId, u8 state (0 QUEUED, 1 SENT, 2 RELEASED),
 *               the Message layout without its version byte, varint32 count, count x varint32 subscriptionId
 * </pre>
 * A change to any layout bumps {@link #VERSION} and keeps a decoder for the old one.
 */
public final class MessageCodec {

    /** The format version this build writes. */
    public static final int VERSION = 1;

    private static final int MESSAGE_RETAIN = 1;
    private static final int MESSAGE_PAYLOAD_UTF8 = 1 << 1;
    private static final int SUBSCRIPTION_NO_LOCAL = 1;
    private static final int SUBSCRIPTION_RETAIN_AS_PUBLISHED = 1 << 1;

    private MessageCodec() {
    }

    /** Encodes a message. */
    public static byte[] encodeMessage(Message message) {
        Writer out = new Writer(64 + length(message.payload()));
        out.u8(VERSION);
        writeMessageBody(out, message);
        return out.toByteArray();
    }

    /** Decodes what {@link #encodeMessage} produced. */
    public static Message decodeMessage(byte[] bytes) {
        Reader in = new Reader(bytes, "Message");
        Message message = readMessageBody(in);
        in.end();
        return message;
    }

    /** Encodes a subscription. */
    public static byte[] encodeSubscription(Subscription subscription) {
        Writer out = new Writer(64);
        out.u8(VERSION);
        out.string(subscription.clientId());
        out.string(subscription.filter());
        out.string(subscription.shareName());
        out.u8(subscription.qos());
        out.u8((subscription.noLocal() ? SUBSCRIPTION_NO_LOCAL : 0)
                | (subscription.retainAsPublished() ? SUBSCRIPTION_RETAIN_AS_PUBLISHED : 0));
        out.u8(subscription.retainHandling());
        out.varint32(subscription.subscriptionId());
        return out.toByteArray();
    }

    /** Decodes what {@link #encodeSubscription} produced. */
    public static Subscription decodeSubscription(byte[] bytes) {
        Reader in = new Reader(bytes, "Subscription");
        String clientId = in.string();
        String filter = in.string();
        String shareName = in.string();
        int qos = in.u8();
        int flags = in.flags(SUBSCRIPTION_NO_LOCAL | SUBSCRIPTION_RETAIN_AS_PUBLISHED);
        int retainHandling = in.u8();
        int subscriptionId = in.varint32();
        in.end();
        return new Subscription(clientId, filter, shareName, qos, (flags & SUBSCRIPTION_NO_LOCAL) != 0,
                (flags & SUBSCRIPTION_RETAIN_AS_PUBLISHED) != 0, retainHandling, subscriptionId);
    }

    /** Encodes a session's metadata. */
    public static byte[] encodeSessionMeta(SessionMeta meta) {
        Writer out = new Writer(32);
        out.u8(VERSION);
        out.string(meta.clientId());
        out.u8(meta.protocolVersion());
        out.varint(meta.expirySeconds());
        out.varint(meta.disconnectedAt());
        return out.toByteArray();
    }

    /** Decodes what {@link #encodeSessionMeta} produced. */
    public static SessionMeta decodeSessionMeta(byte[] bytes) {
        Reader in = new Reader(bytes, "SessionMeta");
        SessionMeta meta = new SessionMeta(in.string(), in.u8(), in.varint64(), in.varint64());
        in.end();
        return meta;
    }

    /** Encodes an outbound message. */
    public static byte[] encodeOutbound(OutboundMessage outbound) {
        Writer out = new Writer(80 + length(outbound.message().payload()));
        out.u8(VERSION);
        out.varint(outbound.seq());
        out.varint32(outbound.packetId());
        out.u8(stateCode(outbound.state()));
        writeMessageBody(out, outbound.message());
        out.varint32(outbound.subscriptionIds().size());
        for (int id : outbound.subscriptionIds()) {
            out.varint32(id);
        }
        return out.toByteArray();
    }

    /** Decodes what {@link #encodeOutbound} produced. */
    public static OutboundMessage decodeOutbound(byte[] bytes) {
        Reader in = new Reader(bytes, "OutboundMessage");
        long seq = in.varint64();
        int packetId = in.varint32();
        OutboundState state = in.state();
        Message message = readMessageBody(in);
        int count = in.count();
        List<Integer> subscriptionIds = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            subscriptionIds.add(in.varint32());
        }
        in.end();
        return new OutboundMessage(seq, packetId, state, message, subscriptionIds);
    }

    /**
     * Reads only the start of an {@link #encodeOutbound} record: its sequence number, state and payload size,
     * without copying the payload, for counting what a session holds without loading it.
     */
    public static OutboundHead peekOutbound(byte[] bytes) {
        Reader in = new Reader(bytes, "OutboundMessage");
        long seq = in.varint64();
        in.varint32(); // packet ID
        OutboundState state = in.state();
        in.skipBytes(); // topic
        in.u8(); // QoS
        in.flags(MESSAGE_RETAIN | MESSAGE_PAYLOAD_UTF8);
        return new OutboundHead(seq, state, in.skipBytes());
    }

    /**
     * The start of a stored outbound message.
     *
     * @param seq          its sequence number
     * @param state        its state
     * @param payloadBytes the length of its payload (0 for none)
     */
    public record OutboundHead(long seq, OutboundState state, int payloadBytes) {
    }

    private static void writeMessageBody(Writer out, Message message) {
        out.string(message.topic());
        out.u8(message.qos());
        out.u8((message.retain() ? MESSAGE_RETAIN : 0) | (message.payloadUtf8() ? MESSAGE_PAYLOAD_UTF8 : 0));
        out.bytes(message.payload());
        out.varint(message.expiryAt());
        out.string(message.contentType());
        out.string(message.responseTopic());
        out.bytes(message.correlationData());
        out.varint32(message.userProperties().size());
        for (Message.UserProperty property : message.userProperties()) {
            out.string(property.key());
            out.string(property.value());
        }
        out.string(message.publisherId());
        out.varint(message.createdAt());
    }

    private static Message readMessageBody(Reader in) {
        String topic = in.string();
        int qos = in.u8();
        int flags = in.flags(MESSAGE_RETAIN | MESSAGE_PAYLOAD_UTF8);
        byte[] payload = in.bytes();
        long expiryAt = in.varint64();
        String contentType = in.string();
        String responseTopic = in.string();
        byte[] correlationData = in.bytes();
        int count = in.count();
        List<Message.UserProperty> userProperties = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            userProperties.add(new Message.UserProperty(in.string(), in.string()));
        }
        String publisherId = in.string();
        long createdAt = in.varint64();
        return new Message(topic, qos, (flags & MESSAGE_RETAIN) != 0, payload, (flags & MESSAGE_PAYLOAD_UTF8) != 0,
                expiryAt, contentType, responseTopic, correlationData, userProperties, publisherId, createdAt);
    }

    // Explicit codes rather than ordinals, so reordering the enum cannot change stored data.
    private static int stateCode(OutboundState state) {
        return switch (state) {
            case QUEUED -> 0;
            case SENT -> 1;
            case RELEASED -> 2;
        };
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    /** A growable output buffer. */
    private static final class Writer {

        private byte[] buffer;
        private int size;

        Writer(int initialCapacity) {
            buffer = new byte[initialCapacity];
        }

        void u8(int value) {
            if (value < 0 || value > 0xFF) {
                throw new IllegalArgumentException("Value " + value + " does not fit in one byte");
            }
            ensure(1);
            buffer[size++] = (byte) value;
        }

        void varint(long value) {
            ensure(10);
            long rest = value;
            while ((rest & ~0x7FL) != 0) {
                buffer[size++] = (byte) ((rest & 0x7F) | 0x80);
                rest >>>= 7;
            }
            buffer[size++] = (byte) rest;
        }

        /** Writes an int as unsigned, so that every int value round-trips in at most 5 bytes. */
        void varint32(int value) {
            varint(Integer.toUnsignedLong(value));
        }

        void bytes(byte[] value) {
            if (value == null) {
                varint(0);
                return;
            }
            varint(value.length + 1L);
            ensure(value.length);
            System.arraycopy(value, 0, buffer, size, value.length);
            size += value.length;
        }

        void string(String value) {
            bytes(value == null ? null : value.getBytes(StandardCharsets.UTF_8));
        }

        byte[] toByteArray() {
            return size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
        }

        private void ensure(int more) {
            if (buffer.length - size < more) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
            }
        }
    }

    /** A bounds-checked reader over one record; fails with a message naming the record type. */
    private static final class Reader {

        private final byte[] bytes;
        private final String type;
        private int position;

        Reader(byte[] bytes, String type) {
            this.bytes = bytes;
            this.type = type;
            if (bytes == null || bytes.length == 0) {
                throw new IllegalArgumentException("Empty " + type + " record");
            }
            int version = u8();
            if (version != VERSION) {
                throw new IllegalArgumentException("Unsupported " + type + " record format version " + version
                        + "; this build reads version " + VERSION);
            }
        }

        int u8() {
            need(1);
            return bytes[position++] & 0xFF;
        }

        int flags(int known) {
            int flags = u8();
            if ((flags & ~known) != 0) {
                throw corrupt("unknown flags 0x" + Integer.toHexString(flags));
            }
            return flags;
        }

        long varint64() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = u8();
                value |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw corrupt("a variable-length integer is longer than 10 bytes");
        }

        int varint32() {
            long value = varint64();
            if (value < 0 || value > 0xFFFF_FFFFL) {
                throw corrupt("value " + Long.toUnsignedString(value) + " does not fit in 32 bits");
            }
            return (int) value;
        }

        int count() {
            int count = varint32();
            // Every counted element takes at least one byte; rejects absurd counts before allocating.
            if (count < 0 || count > bytes.length - position) {
                throw corrupt("count " + Integer.toUnsignedString(count) + " exceeds the remaining bytes");
            }
            return count;
        }

        byte[] bytes() {
            long lengthPlusOne = varint64();
            if (lengthPlusOne == 0) {
                return null;
            }
            long length = lengthPlusOne - 1;
            if (length < 0 || length > bytes.length - position) {
                throw corrupt("length " + Long.toUnsignedString(length) + " exceeds the remaining bytes");
            }
            byte[] value = Arrays.copyOfRange(bytes, position, position + (int) length);
            position += (int) length;
            return value;
        }

        /** Skips a {@code bytes?} field; returns its length (0 for null). */
        int skipBytes() {
            long lengthPlusOne = varint64();
            if (lengthPlusOne == 0) {
                return 0;
            }
            long length = lengthPlusOne - 1;
            if (length < 0 || length > bytes.length - position) {
                throw corrupt("length " + Long.toUnsignedString(length) + " exceeds the remaining bytes");
            }
            position += (int) length;
            return (int) length;
        }

        String string() {
            byte[] utf8 = bytes();
            return utf8 == null ? null : new String(utf8, StandardCharsets.UTF_8);
        }

        OutboundState state() {
            int code = u8();
            return switch (code) {
                case 0 -> OutboundState.QUEUED;
                case 1 -> OutboundState.SENT;
                case 2 -> OutboundState.RELEASED;
                default -> throw corrupt("unknown outbound state " + code);
            };
        }

        void end() {
            if (position != bytes.length) {
                throw corrupt((bytes.length - position) + " trailing bytes");
            }
        }

        private void need(int count) {
            if (bytes.length - position < count) {
                throw corrupt("truncated at byte " + position);
            }
        }

        private IllegalArgumentException corrupt(String detail) {
            return new IllegalArgumentException("Corrupt " + type + " record (" + bytes.length + " bytes): " + detail);
        }
    }
}
