package io.pulsemq.it;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Real third-party clients pointed at a fixture broker, unique names, and blocking receipt with a timeout. */
final class Clients {

    /** How long any expected message or event may take. */
    static final long TIMEOUT_S = 30;
    private static final AtomicInteger SEQ = new AtomicInteger();

    private Clients() {
    }

    /** A name unique within this JVM, for client IDs and topics. */
    static String unique(String prefix) {
        return prefix + "-" + SEQ.incrementAndGet();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Mqtt5BlockingClient hive5(BrokerFixture broker, String clientId) {
        return MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
    }

    static Mqtt3BlockingClient hive3(BrokerFixture broker, String clientId) {
        return MqttClient.builder().useMqttVersion3().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
    }

    /** A HiveMQ v5 client, connected with clean start. */
    static Mqtt5BlockingClient connectedHive5(BrokerFixture broker, String clientId) {
        Mqtt5BlockingClient c = hive5(broker, clientId);
        c.connect();
        return c;
    }

    static org.eclipse.paho.client.mqttv3.MqttClient paho3(BrokerFixture broker, String clientId) throws MqttException {
        return new org.eclipse.paho.client.mqttv3.MqttClient(broker.tcpUri(), clientId, new MemoryPersistence());
    }

    static org.eclipse.paho.mqttv5.client.MqttClient paho5(BrokerFixture broker, String clientId)
            throws org.eclipse.paho.mqttv5.common.MqttException {
        return new org.eclipse.paho.mqttv5.client.MqttClient(broker.tcpUri(), clientId,
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
    }

    /**
     * A Paho 3.x client over {@code uri} (TCP or WebSocket), connected with clean session and without
     * automatic reconnect; {@code mqttVersion} is {@link MqttConnectOptions#MQTT_VERSION_3_1} or _3_1_1.
     */
    static Paho3 connectedPaho3(String uri, String clientId, int mqttVersion) throws MqttException {
        org.eclipse.paho.client.mqttv3.MqttClient c = new org.eclipse.paho.client.mqttv3.MqttClient(uri, clientId,
                new MemoryPersistence());
        Paho3Inbox inbox = new Paho3Inbox();
        c.setCallback(inbox);
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(mqttVersion);
        options.setCleanSession(true);
        options.setAutomaticReconnect(false);
        // Paho 1.2.5's synchronous publish can return before it releases its in-flight slot, so a burst of
        // QoS 2 publishes may hit its default limit of 10 ("Too many publishes in progress", 32202): a client
        // race, not the broker's. The broker's own flow control is tested with Receive Maximum elsewhere.
        options.setMaxInflight(1000);
        c.connect(options);
        return new Paho3(c, inbox);
    }

    /** A Paho v5 asynchronous client over {@code uri}, connected with clean start, without automatic reconnect. */
    static Paho5 connectedPaho5(String uri, String clientId) throws org.eclipse.paho.mqttv5.common.MqttException {
        MqttAsyncClient c = new MqttAsyncClient(uri, clientId, new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        Paho5Inbox inbox = new Paho5Inbox();
        c.setCallback(inbox);
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setAutomaticReconnect(false);
        await(c.connect(options));
        return new Paho5(c, inbox);
    }

    /** Waits for a Paho v5 action to complete; fails after {@link #TIMEOUT_S}. */
    static void await(IMqttToken token) throws org.eclipse.paho.mqttv5.common.MqttException {
        token.waitForCompletion(TimeUnit.SECONDS.toMillis(TIMEOUT_S));
    }

    /** A connected v5 client subscribed to {@code filter} at QoS 2, with its message stream. */
    static Subscriber subscriber(BrokerFixture broker, String clientId, String filter) {
        Mqtt5BlockingClient c = hive5(broker, clientId);
        Mqtt5BlockingClient.Mqtt5Publishes publishes = c.publishes(MqttGlobalPublishFilter.ALL);
        c.connect();
        c.subscribeWith().topicFilter(filter).qos(MqttQos.EXACTLY_ONCE).send();
        return new Subscriber(c, publishes);
    }

    /** Publishes a UTF-8 payload with a v5 client and waits for the broker's acknowledgement. */
    static void publish(Mqtt5BlockingClient client, String topic, String payload, int qos) {
        publish(client, topic, payload, qos, false);
    }

    static void publish(Mqtt5BlockingClient client, String topic, String payload, int qos, boolean retain) {
        client.publishWith().topic(topic).qos(MqttQos.fromCode(qos)).retain(retain)
                .payload(payload.getBytes(StandardCharsets.UTF_8)).send();
    }

    /** The next message, or an assertion failure after {@link #TIMEOUT_S}. */
    static Mqtt5Publish next(Mqtt5BlockingClient.Mqtt5Publishes publishes) throws InterruptedException {
        return publishes.receive(TIMEOUT_S, TimeUnit.SECONDS)
                .orElseThrow(() -> new AssertionError("no message within " + TIMEOUT_S + " s"));
    }

    static Mqtt3Publish next(Mqtt3BlockingClient.Mqtt3Publishes publishes) throws InterruptedException {
        return publishes.receive(TIMEOUT_S, TimeUnit.SECONDS)
                .orElseThrow(() -> new AssertionError("no message within " + TIMEOUT_S + " s"));
    }

    /** The next element of {@code queue}, or an assertion failure after {@link #TIMEOUT_S}. */
    static <T> T poll(BlockingQueue<T> queue) throws InterruptedException {
        T t = queue.poll(TIMEOUT_S, TimeUnit.SECONDS);
        if (t == null) {
            throw new AssertionError("no message within " + TIMEOUT_S + " s");
        }
        return t;
    }

    static String payload(Mqtt5Publish p) {
        return new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
    }

    /** Asserts the next message's payload. */
    static Mqtt5Publish expectNext(Mqtt5BlockingClient.Mqtt5Publishes publishes, String payload) throws InterruptedException {
        Mqtt5Publish p = next(publishes);
        assertThat(payload(p)).isEqualTo(payload);
        return p;
    }

    /** A subscribed v5 client and its messages. */
    record Subscriber(Mqtt5BlockingClient client, Mqtt5BlockingClient.Mqtt5Publishes publishes) implements AutoCloseable {

        Mqtt5Publish expectNext(String payload) throws InterruptedException {
            return Clients.expectNext(publishes, payload);
        }

        @Override
        public void close() {
            publishes.close();
            if (client.getState().isConnected()) {
                client.disconnect();
            }
        }
    }

    /** One received message, as any client reports it. */
    record Received(String topic, String payload, int qos, boolean retained) {
    }

    /** One message as a Paho client received it: {@code M} is Paho 3's or Paho 5's MqttMessage. */
    record Arrived<M>(String topic, M message) {
    }

    /** A connected Paho 3.x client and its inbox; closing disconnects it. Failures to close are unchecked. */
    record Paho3(org.eclipse.paho.client.mqttv3.MqttClient client, Paho3Inbox inbox) implements AutoCloseable {
        @Override
        public void close() {
            try {
                if (client.isConnected()) {
                    client.disconnect();
                }
                client.close();
            } catch (MqttException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A connected Paho v5 client and its inbox; closing disconnects it. Failures to close are unchecked. */
    record Paho5(MqttAsyncClient client, Paho5Inbox inbox) implements AutoCloseable {
        @Override
        public void close() {
            try {
                if (client.isConnected()) {
                    await(client.disconnect());
                }
                client.close();
            } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A Paho v3 callback collecting messages and the connection loss. */
    static final class Paho3Inbox implements MqttCallback {
        private final BlockingQueue<Arrived<MqttMessage>> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Throwable> lost = new CompletableFuture<>();

        @Override
        public void connectionLost(Throwable cause) {
            lost.complete(cause);
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            messages.add(new Arrived<>(topic, message));
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }

        /** The next message with all Paho reports of it, or an assertion failure after {@link #TIMEOUT_S}. */
        Arrived<MqttMessage> nextArrived() throws InterruptedException {
            return poll(messages);
        }

        Received next() throws InterruptedException {
            Arrived<MqttMessage> a = nextArrived();
            return new Received(a.topic(), new String(a.message().getPayload(), StandardCharsets.UTF_8),
                    a.message().getQos(), a.message().isRetained());
        }

        Received expectNext(String payload) throws InterruptedException {
            Received r = next();
            assertThat(r.payload()).isEqualTo(payload);
            return r;
        }
    }

    /** A Paho v5 callback collecting messages and the disconnection. */
    static final class Paho5Inbox implements org.eclipse.paho.mqttv5.client.MqttCallback {
        private final BlockingQueue<Arrived<org.eclipse.paho.mqttv5.common.MqttMessage>> messages =
                new LinkedBlockingQueue<>();
        final CompletableFuture<MqttDisconnectResponse> disconnected = new CompletableFuture<>();

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            disconnected.complete(response);
        }

        @Override
        public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException exception) {
        }

        @Override
        public void messageArrived(String topic, org.eclipse.paho.mqttv5.common.MqttMessage message) {
            messages.add(new Arrived<>(topic, message));
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }

        /** The next message with its properties, or an assertion failure after {@link #TIMEOUT_S}. */
        Arrived<org.eclipse.paho.mqttv5.common.MqttMessage> nextArrived() throws InterruptedException {
            return poll(messages);
        }

        Received expectNext(String payload) throws InterruptedException {
            Arrived<org.eclipse.paho.mqttv5.common.MqttMessage> a = nextArrived();
            Received r = new Received(a.topic(), new String(a.message().getPayload(), StandardCharsets.UTF_8),
                    a.message().getQos(), a.message().isRetained());
            assertThat(r.payload()).isEqualTo(payload);
            return r;
        }
    }
}
