package io.pulsemq.it;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.impl.AMQImpl;
import com.rabbitmq.client.impl.Frame;
import io.pulsemq.broker.session.Session;
import io.pulsemq.it.RawMqttClient.Connect;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static io.pulsemq.it.Clients.unique;
import static io.pulsemq.it.Clients.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Backpressure: a client that sends without reading what the broker answers is no longer read once the broker's
 * outbound buffer for it is above its high-water mark, so it fills its own socket buffers instead of the broker's
 * memory, and is read again once it reads; a subscriber that never acknowledges holds at most its in-flight window
 * and its session's queue. The broker's own accounting ({@code /metrics}, the session) is what is checked.
 */
class BackpressureIT {

    private static final Logger LOG = LoggerFactory.getLogger(BackpressureIT.class);
    /** The flooding client's receive buffer: set before connecting, so the broker's window towards it stays small. */
    private static final int SMALL_RECEIVE_BUFFER = 4096;
    /** Packets per write of a flood (one system call). */
    private static final int BATCH = 512;
    /** How often a flood's progress is sampled to tell that the writer is blocked; not a pass/fail bound. */
    private static final Duration SAMPLE = Duration.ofMillis(250);
    private static final int QUEUE = 50;

    private static BrokerFixture broker;
    private static ApiClient api;

    @BeforeAll
    static void startBroker() throws Exception {
        // no mqtt.maxPublishRate: it would slow the floods down before their acknowledgements fill the buffers
        broker = BrokerFixture.start(c -> BrokerFixture.mqtt(m -> m.withPublishRates(0, 0))
                .apply(BrokerFixture.maxQueuedMessages(QUEUE).apply(c)));
        api = new ApiClient(broker.httpPort());
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void qos1PublisherThatNeverReadsItsAcks_isNoLongerReadUntilItReads() throws Exception {
        long total = BATCH * 8_000L;
        byte[] batch = mqttPublishes(unique("bp/flood"), BATCH);
        try (Socket socket = smallWindowSocket(broker.mqttPort())) {
            OutputStream out = socket.getOutputStream();
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
            out.write(Connect.v311(unique("flooder")).keepAlive(0).encode());
            assertThat(in.readInt()).as("CONNACK accepted").isEqualTo(0x20020000);
            double published0 = metric("pulsemq_messages_published_total");
            double pauses0 = metric("pulsemq_connections_pauses_total{protocol=\"mqtt\"}");

            Flood flood = Flood.start(out, batch, BATCH, total);
            await().until(() -> metric("pulsemq_connections_paused{protocol=\"mqtt\"}") == 1 || flood.done());
            flood.awaitStalled(() -> metric("pulsemq_messages_published_total") - published0);

            long read = (long) (metric("pulsemq_messages_published_total") - published0);
            LOG.info("flood: {} PUBLISHes written, {} read by the broker when the writer stopped", flood.sent(), read);
            assertThat(flood.done()).as("the writer blocks: the broker stopped reading").isFalse();
            assertThat(metric("pulsemq_connections_paused{protocol=\"mqtt\"}")).isEqualTo(1);
            assertThat(read).as("PUBLISHes the broker read").isLessThan(flood.sent());

            // the client reads now: the broker drains, reads again, and acknowledges every PUBLISH
            AtomicLong acks = new AtomicLong();
            Thread reader = reader(() -> {
                while (acks.get() < total) {
                    int ack = in.readInt();
                    if ((ack >>> 16) != 0x4002) {
                        throw new IOException("expected PUBACK, got " + Integer.toHexString(ack));
                    }
                    acks.incrementAndGet();
                }
            });
            await().atMost(Duration.ofMinutes(3)).until(() -> acks.get() == total || !reader.isAlive());
            flood.rethrow();
            assertThat(acks.get()).as("PUBACKs").isEqualTo(total);
            assertThat(metric("pulsemq_messages_published_total") - published0).isEqualTo(total);
            assertThat(metric("pulsemq_connections_paused{protocol=\"mqtt\"}")).isZero();
            assertThat(metric("pulsemq_connections_pauses_total{protocol=\"mqtt\"}")).isGreaterThan(pauses0);
        }
    }

    @Test
    void qos1SubscriberThatNeitherReadsNorAcknowledges_holdsItsWindowAndQueueWhileOthersAreServed() throws Exception {
        String topic = unique("bp/noack");
        String subscriberId = unique("noack");
        int window = broker.config().mqtt().maxInflight();
        int published = window + QUEUE + 200;
        Mqtt5BlockingClient pub = Clients.connectedHive5(broker, unique("pub"));
        try (RawMqttClient sub = RawMqttClient.over(smallWindowSocket(broker.mqttPort()), RawMqttClient.V311)) {
            sub.send(Connect.v311(subscriberId).keepAlive(0).encode());
            assertThat(sub.read().reasonCode()).as("CONNACK").isZero();
            sub.subscribe(1, topic, 1);
            double dropped0 = metric("pulsemq_messages_dropped_total");
            for (int i = 0; i < published; i++) {
                // QoS 1 with a blocking client: routed (sent, queued or dropped) before send() returns
                pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(bigPayload(i)).send();
            }

            // its window (100 x 64 KiB) is more than the high-water mark: it is not read until it reads
            await().until(() -> metric("pulsemq_connections_paused{protocol=\"mqtt\"}") == 1);
            Session session = broker.broker().sessions().get(subscriberId);
            assertThat(session.pendingCount()).as("in flight plus queued").isEqualTo(window + QUEUE);
            assertThat(metric("pulsemq_messages_dropped_total") - dropped0).isEqualTo(published - window - QUEUE);
            // the broker serves everyone else as before
            String other = unique("bp/other");
            try (Clients.Subscriber s = Clients.subscriber(broker, unique("other"), other)) {
                pub.publishWith().topic(other).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("hello")).send();
                s.expectNext("hello");
            }
            // what it holds arrives once it reads and acknowledges: the window, then the queue, in order
            for (int i = 0; i < window + QUEUE; i++) {
                RawMqttClient.Packet p = sub.read();
                assertThat(p.type()).isEqualTo(RawMqttClient.PUBLISH);
                assertThat(p.payload()).startsWith("m" + i + ":");
                sub.pubAck(p.packetId());
            }
            await().until(() -> session.pendingCount() == 0
                    && metric("pulsemq_connections_paused{protocol=\"mqtt\"}") == 0);
        } finally {
            pub.disconnect();
        }
    }

    @Test
    void amqpPublisherThatNeverReadsItsConfirms_isNoLongerReadUntilItReads() throws Exception {
        long total = BATCH * 2_000L;
        byte[] batch = amqpPublishes("commands/flood", BATCH);
        try (Socket socket = smallWindowSocket(broker.amqpPort());
             RawAmqp amqp = RawAmqp.over(socket)) {
            amqp.handshake(broker.config().instanceId(), BrokerFixture.CAR_SERVER, 0);
            amqp.send(1, new AMQImpl.Channel.Open(""));
            amqp.readMethod();
            amqp.send(1, new AMQImpl.Confirm.Select(false));
            assertThat(amqp.readMethod()).isInstanceOf(AMQImpl.Confirm.SelectOk.class);
            double published0 = metric("pulsemq_messages_published_total");

            Flood flood = Flood.start(socket.getOutputStream(), batch, BATCH, total);
            await().until(() -> metric("pulsemq_connections_paused{protocol=\"amqp\"}") == 1 || flood.done());
            flood.awaitStalled(() -> metric("pulsemq_messages_published_total") - published0);

            long read = (long) (metric("pulsemq_messages_published_total") - published0);
            LOG.info("AMQP flood: {} publishes written, {} read by the broker when the writer stopped", flood.sent(), read);
            assertThat(flood.done()).as("the writer blocks: the broker stopped reading").isFalse();
            assertThat(read).isLessThan(flood.sent());

            AtomicLong confirms = new AtomicLong();
            Thread reader = reader(() -> {
                while (confirms.get() < total) {
                    RawAmqp.Frame f = amqp.read();
                    if (f.type() == 1 && f.method() instanceof AMQImpl.Basic.Ack) {
                        confirms.incrementAndGet();
                    } else if (f.type() != 8) {
                        throw new IOException("unexpected frame " + f.method());
                    }
                }
            });
            await().atMost(Duration.ofMinutes(3)).until(() -> confirms.get() == total || !reader.isAlive());
            flood.rethrow();
            assertThat(confirms.get()).as("confirms").isEqualTo(total);
            assertThat(metric("pulsemq_messages_published_total") - published0).isEqualTo(total);
            assertThat(metric("pulsemq_connections_paused{protocol=\"amqp\"}")).isZero();
        }
    }

    @Test
    void amqpConsumerThatDoesNotRead_isPausedAndGetsEveryMessageOnceItReads() throws Exception {
        String parent = unique("bpq").replace('-', '_');
        int devices = 60; // deliveries are one at a time per device: this many 100 KiB ones are out at once
        try (Socket socket = smallWindowSocket(broker.amqpPort());
             RawAmqp amqp = RawAmqp.over(socket)) {
            amqp.handshake(broker.config().instanceId(), BrokerFixture.CAR_SERVER, 0);
            amqp.send(1, new AMQImpl.Channel.Open(""));
            amqp.readMethod();
            amqp.send(1, new AMQImpl.Basic.Consume(0, parent, "c1", false, false, false, false, null));
            assertThat(amqp.readMethod()).isInstanceOf(AMQImpl.Basic.ConsumeOk.class);
            for (int d = 0; d < devices; d++) {
                try (RawMqttClient device = RawMqttClient.connectAccepted(broker, Connect.v311("GID_car@@@bp" + d))) {
                    device.send(RawMqttClient.publishPacket(RawMqttClient.V311, parent + "/up", new byte[100 * 1024], 1,
                            1, RawMqttClient.Props.none()));
                    assertThat(device.read().type()).isEqualTo(RawMqttClient.PUBACK);
                }
            }

            await().until(() -> metric("pulsemq_connections_paused{protocol=\"amqp\"}") == 1);

            // it reads and acknowledges: everything arrives, and the connection is read again
            int delivered = 0;
            while (delivered < devices) {
                RawAmqp.Frame f = amqp.read();
                if (f.type() == 1 && f.method() instanceof AMQImpl.Basic.Deliver deliver) {
                    delivered++;
                    amqp.send(1, new AMQImpl.Basic.Ack(deliver.getDeliveryTag(), false));
                }
            }
            await().until(() -> metric("pulsemq_connections_paused{protocol=\"amqp\"}") == 0);
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static double metric(String series) {
        return api.metric(series, BrokerFixture.ADMIN);
    }

    /** 64 KiB: {@code m<i>:} and padding. */
    private static byte[] bigPayload(int i) {
        byte[] payload = new byte[64 * 1024];
        java.util.Arrays.fill(payload, (byte) '.');
        byte[] head = utf8("m" + i + ":");
        System.arraycopy(head, 0, payload, 0, head.length);
        return payload;
    }

    private static Socket smallWindowSocket(int port) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(SMALL_RECEIVE_BUFFER); // before connect: the window scale is fixed in the handshake
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
        s.setSoTimeout(30_000);
        return s;
    }

    /** {@code count} MQTT 3.1.1 QoS 1 PUBLISHes to {@code topic}, packet IDs 1..count, an 8-byte payload. */
    private static byte[] mqttPublishes(String topic, int count) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 1; i <= count; i++) {
            b.writeBytes(RawMqttClient.publishPacket(RawMqttClient.V311, topic, "payload!", 1, i, false));
        }
        return b.toByteArray();
    }

    /** {@code count} AMQP basic.publish on channel 1 to {@code topic}, each with its header and an 8-byte body. */
    private static byte[] amqpPublishes(String topic, int count) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        byte[] body = utf8("payload!");
        for (int i = 0; i < count; i++) {
            new AMQImpl.Basic.Publish(0, "", topic, false, false).toFrame(1).writeTo(out);
            new AMQP.BasicProperties().toFrame(1, body.length).writeTo(out);
            Frame.fromBodyFragment(1, body, 0, body.length).writeTo(out);
        }
        out.flush();
        return bytes.toByteArray();
    }

    private interface Reading {
        void run() throws IOException;
    }

    private static Thread reader(Reading reading) {
        Thread t = new Thread(() -> {
            try {
                reading.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, "bp-reader");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** A writer thread sending a batch of packets over and over, up to a total; it blocks when the broker stops reading. */
    private static final class Flood {
        private final AtomicLong sent = new AtomicLong();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;

        private Flood(OutputStream out, byte[] batch, int perBatch, long total) {
            thread = new Thread(() -> {
                try {
                    while (sent.get() < total) {
                        out.write(batch);
                        sent.addAndGet(perBatch);
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "bp-flood");
            thread.setDaemon(true);
        }

        static Flood start(OutputStream out, byte[] batch, int perBatch, long total) {
            if (total % perBatch != 0) {
                throw new IllegalArgumentException("total must be a multiple of the batch");
            }
            Flood f = new Flood(out, batch, perBatch, total);
            f.thread.start();
            return f;
        }

        long sent() {
            return sent.get();
        }

        boolean done() {
            return !thread.isAlive();
        }

        /**
         * Waits until the writer finished or neither it nor {@code brokerCount} moved between two samples
         * {@link #SAMPLE} apart: the writer is blocked in a write that the broker does not read.
         */
        void awaitStalled(java.util.concurrent.Callable<Double> brokerCount) {
            long[] last = {-1, -1};
            await().pollInterval(SAMPLE).until(() -> {
                long s = sent.get();
                long r = brokerCount.call().longValue();
                boolean still = s == last[0] && r == last[1];
                last[0] = s;
                last[1] = r;
                return done() || still;
            });
        }

        void rethrow() throws Exception {
            await().atMost(Duration.ofMinutes(1)).until(this::done);
            Throwable t = failure.get();
            if (t instanceof Exception e) {
                throw e;
            }
            if (t != null) {
                throw new AssertionError(t);
            }
        }
    }
}
