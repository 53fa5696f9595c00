package io.pulsemq.it;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A deliberately minimal MQTT client over a plain socket, for what the third-party clients hide or
 * refuse to do: counting unacknowledged PUBLISHes, sending a topic alias by hand, a malformed filter,
 * a packet larger than the broker allows. Blocking; one thread at a time.
 */
final class WireMqttClient implements AutoCloseable {

    static final int CONNACK = 2;
    static final int PUBLISH = 3;
    static final int PUBACK = 4;
    static final int SUBACK = 9;
    static final int PINGRESP = 13;
    static final int DISCONNECT = 14;

    // v5 property identifiers (MQTT 5.0 section 2.2.2.2)
    static final int MESSAGE_EXPIRY_INTERVAL = 0x02;
    static final int SUBSCRIPTION_IDENTIFIER = 0x0B;
    static final int RECEIVE_MAXIMUM = 0x21;
    static final int TOPIC_ALIAS_MAXIMUM = 0x22;
    static final int TOPIC_ALIAS = 0x23;
    static final int MAXIMUM_PACKET_SIZE = 0x27;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private WireMqttClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /**
     * Connects and sends CONNECT with clean start and no keep-alive; returns after an accepting CONNACK.
     *
     * @param level      protocol level: 4 (3.1.1) or 5
     * @param properties v5 CONNECT properties ({@link Props}), ignored for 3.1.1
     */
    static WireMqttClient connect(int port, int level, String clientId, Props properties) throws IOException {
        WireMqttClient c = new WireMqttClient(new Socket("127.0.0.1", port));
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(utf8("MQTT"));
        body.write(level);
        body.write(0x02); // flags: clean session / clean start
        body.write(0);    // keep-alive MSB
        body.write(0);    // keep-alive LSB: none
        if (level == 5) {
            body.writeBytes(properties.encode());
        }
        body.writeBytes(utf8(clientId));
        c.send(packet(0x10, body.toByteArray()));
        Packet connAck = c.read(Duration.ofSeconds(10));
        if (connAck == null || connAck.type() != CONNACK || connAck.body()[1] != 0) {
            c.close();
            throw new IOException("CONNECT not accepted: " + connAck);
        }
        return c;
    }

    void send(byte[] packet) throws IOException {
        out.write(packet);
        out.flush();
    }

    /** The next packet, or null when the broker closed the connection. Fails after {@code timeout}. */
    Packet read(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            int first = in.read();
            if (first < 0) {
                return null;
            }
            int length = 0;
            int shift = 0;
            int b;
            do {
                b = in.readUnsignedByte();
                length |= (b & 0x7F) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            byte[] body = new byte[length];
            in.readFully(body);
            return new Packet(first >> 4, first & 0x0F, body);
        } catch (EOFException e) {
            return null;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no packet from the broker within " + timeout, e);
        }
    }

    /** Reads packets until the broker closes the connection; returns the last one it sent, or null. */
    Packet lastPacketBeforeClose(Duration timeout) throws IOException {
        Packet last = null;
        try {
            for (Packet p = read(timeout); p != null; p = read(timeout)) {
                last = p;
            }
        } catch (java.net.SocketException e) {
            // connection reset after the last packet: closed as well
        }
        return last;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    // ---- packet builders -----------------------------------------------------------------------

    /** PUBLISH; {@code properties} is null for 3.1.1. */
    static byte[] publish(String topic, int qos, int packetId, Props properties, byte[] payload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(utf8(topic));
        if (qos > 0) {
            body.write(packetId >> 8);
            body.write(packetId & 0xFF);
        }
        if (properties != null) {
            body.writeBytes(properties.encode());
        }
        body.writeBytes(payload);
        return packet(0x30 | (qos << 1), body.toByteArray());
    }

    /** SUBSCRIBE of one filter; {@code properties} is null for 3.1.1. */
    static byte[] subscribe(int packetId, Props properties, String filter, int options) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(packetId >> 8);
        body.write(packetId & 0xFF);
        if (properties != null) {
            body.writeBytes(properties.encode());
        }
        body.writeBytes(utf8(filter));
        body.write(options);
        return packet(0x82, body.toByteArray());
    }

    static byte[] pubAck(int packetId) {
        return packet(0x40, new byte[] {(byte) (packetId >> 8), (byte) packetId});
    }

    static byte[] pingReq() {
        return packet(0xC0, new byte[0]);
    }

    private static byte[] packet(int firstByte, byte[] body) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(firstByte);
        writeVarInt(p, body.length);
        p.writeBytes(body);
        return p.toByteArray();
    }

    private static byte[] utf8(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] r = new byte[b.length + 2];
        r[0] = (byte) (b.length >> 8);
        r[1] = (byte) b.length;
        System.arraycopy(b, 0, r, 2, b.length);
        return r;
    }

    private static void writeVarInt(ByteArrayOutputStream out, int value) {
        do {
            int digit = value & 0x7F;
            value >>>= 7;
            out.write(value > 0 ? digit | 0x80 : digit);
        } while (value > 0);
    }

    /** v5 properties, written in the order added. */
    static final class Props {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        static Props none() {
            return new Props();
        }

        Props u16(int id, int value) {
            bytes.write(id);
            bytes.write(value >> 8);
            bytes.write(value & 0xFF);
            return this;
        }

        Props u32(int id, long value) {
            bytes.write(id);
            for (int shift = 24; shift >= 0; shift -= 8) {
                bytes.write((int) (value >> shift) & 0xFF);
            }
            return this;
        }

        Props varInt(int id, int value) {
            bytes.write(id);
            writeVarInt(bytes, value);
            return this;
        }

        byte[] encode() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            writeVarInt(out, bytes.size());
            out.writeBytes(bytes.toByteArray());
            return out.toByteArray();
        }
    }

    /** One packet as received: type, fixed-header flags and the bytes after the remaining length. */
    record Packet(int type, int flags, byte[] body) {

        int qos() {
            return (flags >> 1) & 0x03;
        }

        /** The packet identifier of a PUBACK, SUBACK or similar (first two bytes). */
        int packetId() {
            return ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
        }

        /** The reason code of a v5 DISCONNECT (0 when omitted). */
        int disconnectReason() {
            return body.length == 0 ? 0 : body[0] & 0xFF;
        }

        /** The SUBACK's first return / reason code. */
        int subAckCode(boolean v5) {
            int at = 2;
            if (v5) {
                int[] len = readVarInt(body, at);
                at = len[1] + len[0];
            }
            return body[at] & 0xFF;
        }

        /** A received v5 PUBLISH decoded. */
        ReceivedPublish publishV5() {
            int topicLength = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
            String topic = new String(body, 2, topicLength, StandardCharsets.UTF_8);
            int at = 2 + topicLength;
            int packetId = 0;
            if (qos() > 0) {
                packetId = ((body[at] & 0xFF) << 8) | (body[at + 1] & 0xFF);
                at += 2;
            }
            int[] len = readVarInt(body, at);
            at = len[1];
            int end = at + len[0];
            Map<Integer, List<Object>> props = new LinkedHashMap<>();
            while (at < end) {
                int id = body[at++] & 0xFF;
                Object value;
                switch (id) {
                    case 0x01 -> value = body[at++] & 0xFF;
                    case 0x23 -> {
                        value = ((body[at] & 0xFF) << 8) | (body[at + 1] & 0xFF);
                        at += 2;
                    }
                    case 0x02 -> {
                        value = ((long) (body[at] & 0xFF) << 24) | ((body[at + 1] & 0xFF) << 16)
                                | ((body[at + 2] & 0xFF) << 8) | (body[at + 3] & 0xFF);
                        at += 4;
                    }
                    case 0x0B -> {
                        int[] v = readVarInt(body, at);
                        value = v[0];
                        at = v[1];
                    }
                    case 0x03, 0x08, 0x09 -> {
                        int n = ((body[at] & 0xFF) << 8) | (body[at + 1] & 0xFF);
                        value = new String(body, at + 2, n, StandardCharsets.UTF_8);
                        at += 2 + n;
                    }
                    case 0x26 -> {
                        int k = ((body[at] & 0xFF) << 8) | (body[at + 1] & 0xFF);
                        int v = ((body[at + 2 + k] & 0xFF) << 8) | (body[at + 3 + k] & 0xFF);
                        value = new String(body, at + 2, k, StandardCharsets.UTF_8) + "="
                                + new String(body, at + 4 + k, v, StandardCharsets.UTF_8);
                        at += 4 + k + v;
                    }
                    default -> throw new IllegalStateException("unexpected PUBLISH property " + id);
                }
                props.computeIfAbsent(id, k -> new ArrayList<>()).add(value);
            }
            byte[] payload = java.util.Arrays.copyOfRange(body, end, body.length);
            return new ReceivedPublish(topic, packetId, props, payload);
        }

        private static int[] readVarInt(byte[] b, int at) {
            int value = 0;
            int shift = 0;
            int digit;
            do {
                digit = b[at++] & 0xFF;
                value |= (digit & 0x7F) << shift;
                shift += 7;
            } while ((digit & 0x80) != 0);
            return new int[] {value, at};
        }
    }

    /** A v5 PUBLISH as received: the topic name on the wire ("" when only an alias names it). */
    record ReceivedPublish(String topic, int packetId, Map<Integer, List<Object>> properties, byte[] payload) {

        Object property(int id) {
            List<Object> values = properties.get(id);
            return values == null ? null : values.get(0);
        }

        String payloadText() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }
}
