package io.pulsemq.it;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A hand-written MQTT 3.1.1 / 5.0 client on a plain socket, for what a real client will not do on
 * purpose: withhold acknowledgements, go silent, send garbage, vanish without DISCONNECT. Packets
 * are encoded here, independently of the broker's codec. Every read blocks at most
 * {@link #READ_TIMEOUT_MS}, then fails.
 */
final class RawMqttClient implements AutoCloseable {

    static final int V311 = 4;
    static final int V5 = 5;
    static final int READ_TIMEOUT_MS = 10_000;

    static final int CONNACK = 2;
    static final int PUBLISH = 3;
    static final int PUBACK = 4;
    static final int PUBREC = 5;
    static final int PUBREL = 6;
    static final int PUBCOMP = 7;
    static final int SUBACK = 9;
    static final int PINGRESP = 13;
    static final int DISCONNECT = 14;

    private final int version;
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawMqttClient(int version, Socket socket) throws IOException {
        this.version = version;
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Opens a TCP connection to the fixture's MQTT port; sends nothing yet. */
    static RawMqttClient open(BrokerFixture broker, int version) throws IOException {
        Socket s = new Socket("127.0.0.1", broker.mqttPort());
        s.setSoTimeout(READ_TIMEOUT_MS);
        s.setTcpNoDelay(true);
        return new RawMqttClient(version, s);
    }

    /** Opens a connection, sends {@code connect} and returns the CONNACK. */
    static RawMqttClient connect(BrokerFixture broker, Connect connect) throws IOException {
        RawMqttClient c = open(broker, connect.version);
        c.send(connect.encode());
        Packet ack = c.read();
        if (ack.type() != CONNACK) {
            c.close();
            throw new IllegalStateException("expected CONNACK, got " + ack);
        }
        c.connAck = ack;
        return c;
    }

    private Packet connAck;

    /** The CONNACK of {@link #connect}. */
    Packet connAck() {
        return connAck;
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Subscribes to one filter and waits for the SUBACK; returns its granted QoS or failure code. */
    int subscribe(int packetId, String filter, int qos) throws IOException {
        Body b = new Body().u16(packetId);
        if (version == V5) {
            b.varInt(0); // no properties
        }
        b.string(filter).u8(qos);
        send(b.packet(0x82)); // SUBSCRIBE, reserved flags 0010
        Packet ack = read();
        if (ack.type() != SUBACK) {
            throw new IllegalStateException("expected SUBACK, got " + ack);
        }
        return ack.body()[ack.body().length - 1] & 0xFF;
    }

    /** Sends a PUBLISH; {@code packetId} is ignored for QoS 0. */
    void publish(String topic, String payload, int qos, int packetId, boolean dup) throws IOException {
        send(publishPacket(version, topic, payload, qos, packetId, dup));
    }

    void pubAck(int packetId) throws IOException {
        send(new Body().u16(packetId).packet(0x40));
    }

    void pubRec(int packetId) throws IOException {
        send(new Body().u16(packetId).packet(0x50));
    }

    void pubRel(int packetId) throws IOException {
        send(new Body().u16(packetId).packet(0x62)); // PUBREL, reserved flags 0010
    }

    void pubComp(int packetId) throws IOException {
        send(new Body().u16(packetId).packet(0x70));
    }

    void disconnect() throws IOException {
        send(new byte[] {(byte) 0xE0, 0}); // DISCONNECT, remaining length 0 (v5: reason 0x00)
    }

    /** Reads one packet; fails after {@link #READ_TIMEOUT_MS} without one, or at end of stream. */
    Packet read() throws IOException {
        int first = in.read();
        if (first < 0) {
            throw new EOFException("connection closed by the broker");
        }
        int length = 0;
        int multiplier = 1;
        int digit;
        do {
            digit = in.readUnsignedByte();
            length += (digit & 0x7F) * multiplier;
            multiplier *= 128;
        } while ((digit & 0x80) != 0);
        byte[] body = new byte[length];
        in.readFully(body);
        return new Packet(version, first >>> 4, first & 0x0F, body);
    }

    /**
     * Reads until the broker closes the connection; returns the packets that came before (a v5
     * client may get a DISCONNECT). Fails if the connection stays open for {@link #READ_TIMEOUT_MS}.
     */
    List<Packet> readUntilClosed() throws IOException {
        List<Packet> before = new ArrayList<>();
        while (true) {
            try {
                before.add(read());
            } catch (EOFException e) {
                return before;
            } catch (SocketException e) {
                return before; // reset by the broker: closed as well
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    static byte[] publishPacket(int version, String topic, String payload, int qos, int packetId, boolean dup) {
        Body b = new Body().string(topic);
        if (qos > 0) {
            b.u16(packetId);
        }
        if (version == V5) {
            b.varInt(0); // no properties
        }
        b.bytes(payload.getBytes(StandardCharsets.UTF_8));
        return b.packet(0x30 | (dup ? 0x08 : 0) | (qos << 1));
    }

    /** A CONNECT to send; fluent. */
    static final class Connect {
        private final int version;
        private final String clientId;
        private boolean cleanStart = true;
        private int keepAlive;
        private long sessionExpiry;
        private String willTopic;
        private String willPayload;
        private int willQos;
        private boolean willRetain;
        private long willDelay;

        private Connect(int version, String clientId) {
            this.version = version;
            this.clientId = clientId;
        }

        static Connect v311(String clientId) {
            return new Connect(V311, clientId);
        }

        static Connect v5(String clientId) {
            return new Connect(V5, clientId);
        }

        /** Clean session (v3) / clean start (v5); true unless set. */
        Connect cleanStart(boolean clean) {
            this.cleanStart = clean;
            return this;
        }

        Connect keepAlive(int seconds) {
            this.keepAlive = seconds;
            return this;
        }

        /** v5 Session Expiry Interval. */
        Connect sessionExpiry(long seconds) {
            this.sessionExpiry = seconds;
            return this;
        }

        Connect will(String topic, String payload, int qos, boolean retain) {
            this.willTopic = topic;
            this.willPayload = payload;
            this.willQos = qos;
            this.willRetain = retain;
            return this;
        }

        /** v5 Will Delay Interval. */
        Connect willDelay(long seconds) {
            this.willDelay = seconds;
            return this;
        }

        byte[] encode() {
            int flags = (cleanStart ? 0x02 : 0);
            if (willTopic != null) {
                flags |= 0x04 | (willQos << 3) | (willRetain ? 0x20 : 0);
            }
            Body b = new Body().string("MQTT").u8(version).u8(flags).u16(keepAlive);
            if (version == V5) {
                if (sessionExpiry > 0) {
                    b.varInt(5).u8(0x11).u32(sessionExpiry); // Session Expiry Interval
                } else {
                    b.varInt(0);
                }
            }
            b.string(clientId);
            if (willTopic != null) {
                if (version == V5) {
                    if (willDelay > 0) {
                        b.varInt(5).u8(0x18).u32(willDelay); // Will Delay Interval
                    } else {
                        b.varInt(0);
                    }
                }
                b.string(willTopic).binary(willPayload.getBytes(StandardCharsets.UTF_8));
            }
            return b.packet(0x10);
        }
    }

    /**
     * One packet as read.
     *
     * @param version the MQTT version of the connection (decides where properties are)
     * @param type    the packet type (1..15)
     * @param flags   the low nibble of the first byte
     * @param body    everything after the remaining length
     */
    record Packet(int version, int type, int flags, byte[] body) {

        boolean dup() {
            return (flags & 0x08) != 0;
        }

        int qos() {
            return (flags >> 1) & 0x03;
        }

        boolean retain() {
            return (flags & 0x01) != 0;
        }

        /** CONNACK: the Session Present flag. */
        boolean sessionPresent() {
            return (body[0] & 0x01) != 0;
        }

        /**
         * The reason or return code: CONNACK's second byte; the byte after the packet ID of
         * PUBACK..PUBCOMP (0 when omitted); DISCONNECT's first byte (0 when omitted).
         */
        int reasonCode() {
            switch (type) {
                case CONNACK:
                    return body[1] & 0xFF;
                case DISCONNECT:
                    return body.length == 0 ? 0 : body[0] & 0xFF;
                default:
                    return body.length > 2 ? body[2] & 0xFF : 0;
            }
        }

        /** The packet ID of PUBLISH (QoS > 0) and PUBACK..PUBCOMP. */
        int packetId() {
            int at = type == PUBLISH ? 2 + topicLength() : 0;
            return ((body[at] & 0xFF) << 8) | (body[at + 1] & 0xFF);
        }

        String topic() {
            return new String(body, 2, topicLength(), StandardCharsets.UTF_8);
        }

        String payload() {
            int at = 2 + topicLength() + (qos() > 0 ? 2 : 0);
            if (version == V5) {
                int propertiesLength = 0;
                int multiplier = 1;
                int digit;
                do {
                    digit = body[at++] & 0xFF;
                    propertiesLength += (digit & 0x7F) * multiplier;
                    multiplier *= 128;
                } while ((digit & 0x80) != 0);
                at += propertiesLength;
            }
            return new String(body, at, body.length - at, StandardCharsets.UTF_8);
        }

        private int topicLength() {
            return ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
        }

        @Override
        public String toString() {
            return "Packet[type=" + type + ", flags=" + flags + ", length=" + body.length + "]";
        }
    }

    /** Builds a packet's variable header and payload. */
    private static final class Body {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Body u8(int v) {
            bytes.write(v);
            return this;
        }

        Body u16(int v) {
            bytes.write(v >>> 8);
            bytes.write(v);
            return this;
        }

        Body u32(long v) {
            u16((int) (v >>> 16) & 0xFFFF);
            return u16((int) v & 0xFFFF);
        }

        Body varInt(int v) {
            do {
                int digit = v % 128;
                v /= 128;
                bytes.write(v > 0 ? digit | 0x80 : digit);
            } while (v > 0);
            return this;
        }

        Body string(String s) {
            return binary(s.getBytes(StandardCharsets.UTF_8));
        }

        Body binary(byte[] b) {
            u16(b.length);
            return bytes(b);
        }

        Body bytes(byte[] b) {
            bytes.writeBytes(b);
            return this;
        }

        /** The whole packet: first byte, remaining length, this body. */
        byte[] packet(int firstByte) {
            byte[] content = bytes.toByteArray();
            Body whole = new Body().u8(firstByte).varInt(content.length).bytes(content);
            return whole.bytes.toByteArray();
        }
    }
}
