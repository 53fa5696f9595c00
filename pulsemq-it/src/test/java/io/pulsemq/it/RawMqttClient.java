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
import java.util.Arrays;
import java.util.List;

/**
 * A hand-written MQTT 3.1.1 / 5.0 client on a plain socket, for what a real client will not do on
 * purpose or hides: withhold acknowledgements, go silent, send garbage, vanish without DISCONNECT,
 * count unacknowledged PUBLISHes, set a topic alias by hand, send a packet larger than the broker
 * allows. Packets are encoded here, independently of the broker's codec. Every read blocks at most
 * {@link #READ_TIMEOUT_MS}, then fails. Blocking; one thread at a time.
 */
final class RawMqttClient implements AutoCloseable {

    static final int V311 = 4;
    static final int V5 = 5;
    static final int READ_TIMEOUT_MS = 30_000;

    static final int CONNACK = 2;
    static final int PUBLISH = 3;
    static final int PUBACK = 4;
    static final int PUBREC = 5;
    static final int PUBREL = 6;
    static final int PUBCOMP = 7;
    static final int SUBACK = 9;
    static final int PINGRESP = 13;
    static final int DISCONNECT = 14;

    // v5 property identifiers (MQTT 5.0 section 2.2.2.2)
    static final int MESSAGE_EXPIRY_INTERVAL = 0x02;
    static final int SUBSCRIPTION_IDENTIFIER = 0x0B;
    static final int SESSION_EXPIRY_INTERVAL = 0x11;
    static final int WILL_DELAY_INTERVAL = 0x18;
    static final int RECEIVE_MAXIMUM = 0x21;
    static final int TOPIC_ALIAS_MAXIMUM = 0x22;
    static final int TOPIC_ALIAS = 0x23;
    static final int MAXIMUM_PACKET_SIZE = 0x27;

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

    /** A client on a connection already open (a TLS socket after its handshake); sends nothing yet. */
    static RawMqttClient over(Socket socket, int version) throws IOException {
        socket.setSoTimeout(READ_TIMEOUT_MS);
        socket.setTcpNoDelay(true);
        return new RawMqttClient(version, socket);
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

    /** Like {@link #connect}, but fails unless the CONNACK accepts the connection (reason code 0). */
    static RawMqttClient connectAccepted(BrokerFixture broker, Connect connect) throws IOException {
        RawMqttClient c = connect(broker, connect);
        if (c.connAck.reasonCode() != 0) {
            c.close();
            throw new IllegalStateException("CONNECT not accepted: reason code " + c.connAck.reasonCode());
        }
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
        send(subscribePacket(version, packetId, filter, qos));
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

    void pingReq() throws IOException {
        send(new byte[] {(byte) 0xC0, 0}); // PINGREQ, remaining length 0
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
        return publishPacket(version, topic, payload.getBytes(StandardCharsets.UTF_8), qos, packetId, dup, Props.none());
    }

    /** A PUBLISH with any payload and, for v5, {@code properties} (ignored for 3.1.1). */
    static byte[] publishPacket(int version, String topic, byte[] payload, int qos, int packetId, Props properties) {
        return publishPacket(version, topic, payload, qos, packetId, false, properties);
    }

    private static byte[] publishPacket(int version, String topic, byte[] payload, int qos, int packetId, boolean dup,
                                        Props properties) {
        Body b = new Body().string(topic);
        if (qos > 0) {
            b.u16(packetId);
        }
        if (version == V5) {
            properties.writeTo(b);
        }
        b.bytes(payload);
        return b.packet(0x30 | (dup ? 0x08 : 0) | (qos << 1));
    }

    /** A SUBSCRIBE of one filter with {@code options} (the requested QoS in the low bits). */
    static byte[] subscribePacket(int version, int packetId, String filter, int options) {
        Body b = new Body().u16(packetId);
        if (version == V5) {
            b.varInt(0); // no properties
        }
        b.string(filter).u8(options);
        return b.packet(0x82); // SUBSCRIBE, reserved flags 0010
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
        private int receiveMaximum;
        private int topicAliasMaximum;
        private long maximumPacketSize;
        private String username;
        private String password;

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

        /** v5 Receive Maximum: how many QoS 1 and 2 PUBLISHes the broker may have unacknowledged. */
        Connect receiveMaximum(int max) {
            this.receiveMaximum = max;
            return this;
        }

        /** v5 Topic Alias Maximum: how many aliases the broker may use towards this client. */
        Connect topicAliasMaximum(int max) {
            this.topicAliasMaximum = max;
            return this;
        }

        /** v5 Maximum Packet Size the client accepts. */
        Connect maximumPacketSize(long bytes) {
            this.maximumPacketSize = bytes;
            return this;
        }

        /** User Name and Password. */
        Connect credentials(String user, String pass) {
            this.username = user;
            this.password = pass;
            return this;
        }

        byte[] encode() {
            int flags = (cleanStart ? 0x02 : 0) | (username != null ? 0x80 : 0) | (password != null ? 0x40 : 0);
            if (willTopic != null) {
                flags |= 0x04 | (willQos << 3) | (willRetain ? 0x20 : 0);
            }
            Body b = new Body().string("MQTT").u8(version).u8(flags).u16(keepAlive);
            if (version == V5) {
                Props p = Props.none();
                if (sessionExpiry > 0) {
                    p.u32(SESSION_EXPIRY_INTERVAL, sessionExpiry);
                }
                if (receiveMaximum > 0) {
                    p.u16(RECEIVE_MAXIMUM, receiveMaximum);
                }
                if (topicAliasMaximum > 0) {
                    p.u16(TOPIC_ALIAS_MAXIMUM, topicAliasMaximum);
                }
                if (maximumPacketSize > 0) {
                    p.u32(MAXIMUM_PACKET_SIZE, maximumPacketSize);
                }
                p.writeTo(b);
            }
            b.string(clientId);
            if (willTopic != null) {
                if (version == V5) {
                    Props will = Props.none();
                    if (willDelay > 0) {
                        will.u32(WILL_DELAY_INTERVAL, willDelay);
                    }
                    will.writeTo(b);
                }
                b.string(willTopic).binary(willPayload.getBytes(StandardCharsets.UTF_8));
            }
            if (username != null) {
                b.string(username);
            }
            if (password != null) {
                b.binary(password.getBytes(StandardCharsets.UTF_8));
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

        /** The packet ID of PUBLISH (QoS > 0), PUBACK..PUBCOMP and SUBACK. */
        int packetId() {
            return u16(type == PUBLISH ? 2 + topicLength() : 0);
        }

        /** SUBACK: the first return (3.1.1) or reason (v5) code. */
        int subAckCode() {
            return body[skipProperties(2)] & 0xFF;
        }

        String topic() {
            return new String(body, 2, topicLength(), StandardCharsets.UTF_8);
        }

        String payload() {
            return new String(payloadBytes(), StandardCharsets.UTF_8);
        }

        byte[] payloadBytes() {
            return Arrays.copyOfRange(body, skipProperties(propertiesStart()), body.length);
        }

        /**
         * The first value of a v5 PUBLISH property, or null when absent: an Integer for byte, two-byte
         * and variable byte integers, a Long for four-byte integers, a String for strings and for
         * user properties ({@code name=value}).
         */
        Object property(int id) {
            int at = propertiesStart();
            int[] length = varInt(at);
            at = length[1];
            int end = at + length[0];
            while (at < end) {
                int found = body[at++] & 0xFF;
                Object value;
                switch (found) {
                    case 0x01 -> value = body[at++] & 0xFF; // payload format indicator
                    case TOPIC_ALIAS -> {
                        value = u16(at);
                        at += 2;
                    }
                    case MESSAGE_EXPIRY_INTERVAL -> {
                        value = ((long) u16(at) << 16) | u16(at + 2);
                        at += 4;
                    }
                    case SUBSCRIPTION_IDENTIFIER -> {
                        int[] v = varInt(at);
                        value = v[0];
                        at = v[1];
                    }
                    case 0x03, 0x08, 0x09 -> { // content type, response topic, correlation data
                        value = new String(body, at + 2, u16(at), StandardCharsets.UTF_8);
                        at += 2 + u16(at);
                    }
                    case 0x26 -> { // user property
                        int k = u16(at);
                        int v = u16(at + 2 + k);
                        value = new String(body, at + 2, k, StandardCharsets.UTF_8) + "="
                                + new String(body, at + 4 + k, v, StandardCharsets.UTF_8);
                        at += 4 + k + v;
                    }
                    default -> throw new IllegalStateException("unexpected PUBLISH property " + found);
                }
                if (found == id) {
                    return value;
                }
            }
            return null;
        }

        /** Where a PUBLISH's properties (v5) or payload (3.1.1) start. */
        private int propertiesStart() {
            return 2 + topicLength() + (qos() > 0 ? 2 : 0);
        }

        private int topicLength() {
            return u16(0);
        }

        /** v5: the index after the properties that start at {@code at}; 3.1.1: {@code at}. */
        private int skipProperties(int at) {
            if (version != V5) {
                return at;
            }
            int[] length = varInt(at);
            return length[1] + length[0];
        }

        private int u16(int at) {
            return ((body[at] & 0xFF) << 8) | (body[at + 1] & 0xFF);
        }

        /** The variable byte integer at {@code at}: its value and the index after it. */
        private int[] varInt(int at) {
            int value = 0;
            int multiplier = 1;
            int digit;
            do {
                digit = body[at++] & 0xFF;
                value += (digit & 0x7F) * multiplier;
                multiplier *= 128;
            } while ((digit & 0x80) != 0);
            return new int[] {value, at};
        }

        @Override
        public String toString() {
            return "Packet[type=" + type + ", flags=" + flags + ", length=" + body.length + "]";
        }
    }

    /** v5 properties, written in the order added. */
    static final class Props {
        private final Body body = new Body();

        static Props none() {
            return new Props();
        }

        Props u16(int id, int value) {
            body.u8(id).u16(value);
            return this;
        }

        Props u32(int id, long value) {
            body.u8(id).u32(value);
            return this;
        }

        Props varInt(int id, int value) {
            body.u8(id).varInt(value);
            return this;
        }

        /** Writes the property length, then the properties. */
        private void writeTo(Body b) {
            byte[] bytes = body.bytes.toByteArray();
            b.varInt(bytes.length).bytes(bytes);
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
