package io.pulsemq.it;

import com.rabbitmq.client.LongString;
import com.rabbitmq.client.impl.AMQImpl;
import com.rabbitmq.client.impl.LongStringHelper;
import com.rabbitmq.client.impl.Method;
import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.protocol.Signatures;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** A hand-driven AMQP 0-9-1 socket, for what a well-behaved client library never sends. */
final class RawAmqp implements AutoCloseable {

    static final byte[] HEADER = {'A', 'M', 'Q', 'P', 0, 0, 9, 1};

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;

    RawAmqp(int port) throws IOException {
        this(new Socket("127.0.0.1", port));
    }

    private RawAmqp(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout((int) (Clients.TIMEOUT_S * 1000));
        in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
        out = new DataOutputStream(socket.getOutputStream());
    }

    /** A client on a socket already connected (one with a small receive buffer, say). */
    static RawAmqp over(Socket socket) throws IOException {
        return new RawAmqp(socket);
    }

    /** One frame as read: its type, channel and payload. */
    record Frame(int type, int channel, byte[] payload) {
        Method method() throws IOException {
            return AMQImpl.readMethodFrom(new DataInputStream(new ByteArrayInputStream(payload)));
        }
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void send(int channel, Method m) throws IOException {
        m.toFrame(channel).writeTo(out);
        out.flush();
    }

    byte[] readBytes(int n) throws IOException {
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    Frame read() throws IOException {
        int type = in.readUnsignedByte();
        int channel = in.readUnsignedShort();
        byte[] payload = new byte[in.readInt()];
        in.readFully(payload);
        if (in.readUnsignedByte() != 0xCE) {
            throw new IOException("frame-end missing");
        }
        return new Frame(type, channel, payload);
    }

    /** The next method frame, skipping heartbeats. */
    Method readMethod() throws IOException {
        while (true) {
            Frame f = read();
            if (f.type() == 1) {
                return f.method();
            }
        }
    }

    /** Reads until the broker closes the socket; returns whether a heartbeat frame came before. */
    boolean readUntilClosed() throws IOException {
        boolean heartbeat = false;
        try {
            while (true) {
                heartbeat |= read().type() == 8;
            }
        } catch (java.io.EOFException | java.net.SocketException closed) {
            return heartbeat;
        }
    }

    /** Header, start-ok with a valid SDK login for {@code key}, tune-ok with {@code heartbeat}, open of MQTT. */
    void handshake(String instanceId, AccessKey key, int heartbeat) throws IOException {
        write(HEADER);
        readMethod(); // connection.start
        String ts = Long.toString(System.currentTimeMillis());
        String user = Base64.getEncoder().encodeToString(("0:" + instanceId + ":" + key.id()).getBytes(StandardCharsets.UTF_8));
        String pass = Signatures.hmacSha1Base64(key.secret(), ts);
        LongString response = LongStringHelper.asLongString("\0" + user + "\0" + pass);
        send(0, new AMQImpl.Connection.StartOk(Map.of("signKey", ts), "PLAIN", response, "en_US"));
        AMQImpl.Connection.Tune tune = (AMQImpl.Connection.Tune) readMethod();
        send(0, new AMQImpl.Connection.TuneOk(tune.getChannelMax(), tune.getFrameMax(), heartbeat));
        send(0, new AMQImpl.Connection.Open("MQTT", "", false));
        readMethod(); // connection.open-ok
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
