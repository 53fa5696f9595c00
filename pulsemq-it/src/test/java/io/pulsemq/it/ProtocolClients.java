package io.pulsemq.it;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.fail;

/** Third-party clients pointed at a fixture broker, and the waiting helpers the tests share. */
final class ProtocolClients {

    /** How long any single expected event may take; generous for a loaded 2-core machine. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final AtomicInteger SEQ = new AtomicInteger();

    private ProtocolClients() {
    }

    /** A name unique within this JVM, for client IDs and topics. */
    static String unique(String prefix) {
        return prefix + "-" + SEQ.incrementAndGet();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- HiveMQ MQTT Client ----------------------------------------------------------------------

    static Mqtt5ClientBuilder v5Builder(BrokerFixture broker, String clientId) {
        return MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(broker.mqttPort());
    }

    /** A connected HiveMQ v5 client with clean start. */
    static Mqtt5BlockingClient v5(BrokerFixture broker, String clientId) {
        Mqtt5BlockingClient c = v5Builder(broker, clientId).buildBlocking();
        c.connect();
        return c;
    }

    /** A connected HiveMQ 3.1.1 client with clean session. */
    static Mqtt3BlockingClient v3(BrokerFixture broker, String clientId) {
        Mqtt3BlockingClient c = MqttClient.builder().useMqttVersion3().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        c.connect();
        return c;
    }

    /** The next message of a HiveMQ blocking publishes stream, or a test failure. */
    static com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish next(Mqtt5BlockingClient.Mqtt5Publishes publishes) {
        return require(receive(publishes));
    }

    static com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish next(Mqtt3BlockingClient.Mqtt3Publishes publishes) {
        try {
            return require(publishes.receive(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static Optional<com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish> receive(
            Mqtt5BlockingClient.Mqtt5Publishes publishes) {
        try {
            return publishes.receive(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static <T> T require(Optional<T> received) {
        return received.orElseGet(() -> fail("no message within " + TIMEOUT));
    }

    // ---- Eclipse Paho ------------------------------------------------------------------------------

    /** A connected Paho 3.x client; {@code mqttVersion} is {@link MqttConnectOptions#MQTT_VERSION_3_1} or _3_1_1. */
    static PahoV3 pahoV3(String uri, String clientId, int mqttVersion) throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient c = new org.eclipse.paho.client.mqttv3.MqttClient(uri, clientId,
                new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        PahoV3 paho = new PahoV3(c);
        c.setCallback(paho);
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(mqttVersion);
        options.setCleanSession(true);
        options.setAutomaticReconnect(false);
        c.connect(options);
        return paho;
    }

    /** A connected Paho v5 client with clean start; {@code customize} adjusts the options. */
    static PahoV5 pahoV5(String uri, String clientId, java.util.function.Consumer<MqttConnectionOptions> customize)
            throws Exception {
        MqttAsyncClient c = new MqttAsyncClient(uri, clientId, new MemoryPersistence());
        PahoV5 paho = new PahoV5(c);
        c.setCallback(paho);
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setAutomaticReconnect(false);
        customize.accept(options);
        c.connect(options).waitForCompletion(TIMEOUT.toMillis());
        return paho;
    }

    static PahoV5 pahoV5(String uri, String clientId) throws Exception {
        return pahoV5(uri, clientId, o -> { });
    }

    /** One message a Paho client received. */
    record Arrived<M>(String topic, M message) {
    }

    /** A Paho 3.x client whose arrivals are queued. */
    static final class PahoV3 implements org.eclipse.paho.client.mqttv3.MqttCallback, AutoCloseable {
        final org.eclipse.paho.client.mqttv3.MqttClient client;
        final BlockingQueue<Arrived<org.eclipse.paho.client.mqttv3.MqttMessage>> arrived = new LinkedBlockingQueue<>();

        PahoV3(org.eclipse.paho.client.mqttv3.MqttClient client) {
            this.client = client;
        }

        Arrived<org.eclipse.paho.client.mqttv3.MqttMessage> next() throws InterruptedException {
            return poll(arrived);
        }

        @Override
        public void connectionLost(Throwable cause) {
        }

        @Override
        public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
            arrived.add(new Arrived<>(topic, message));
        }

        @Override
        public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
        }

        @Override
        public void close() {
            try {
                if (client.isConnected()) {
                    client.disconnect();
                }
                client.close();
            } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A Paho v5 client whose arrivals are queued. */
    static final class PahoV5 implements org.eclipse.paho.mqttv5.client.MqttCallback, AutoCloseable {
        final MqttAsyncClient client;
        final BlockingQueue<Arrived<org.eclipse.paho.mqttv5.common.MqttMessage>> arrived = new LinkedBlockingQueue<>();

        PahoV5(MqttAsyncClient client) {
            this.client = client;
        }

        Arrived<org.eclipse.paho.mqttv5.common.MqttMessage> next() throws InterruptedException {
            return poll(arrived);
        }

        @Override
        public void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse response) {
        }

        @Override
        public void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException exception) {
        }

        @Override
        public void messageArrived(String topic, org.eclipse.paho.mqttv5.common.MqttMessage message) {
            arrived.add(new Arrived<>(topic, message));
        }

        @Override
        public void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken token) {
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
        }

        @Override
        public void authPacketArrived(int reasonCode, org.eclipse.paho.mqttv5.common.packet.MqttProperties properties) {
        }

        @Override
        public void close() {
            try {
                if (client.isConnected()) {
                    client.disconnect().waitForCompletion(TIMEOUT.toMillis());
                }
                client.close();
            } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The next element of {@code queue}, or a test failure after {@link #TIMEOUT}. */
    static <T> T poll(BlockingQueue<T> queue) throws InterruptedException {
        T t = queue.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (t == null) {
            fail("nothing arrived within " + TIMEOUT);
        }
        return t;
    }
}
