package io.pulsemq.it;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Real third-party clients pointed at a fixture broker, and blocking receipt with a timeout. */
final class Clients {

    /** How long any expected message or event may take. */
    static final long TIMEOUT_S = 10;

    private Clients() {
    }

    static Mqtt5BlockingClient hive5(BrokerFixture broker, String clientId) {
        return MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
    }

    static Mqtt3BlockingClient hive3(BrokerFixture broker, String clientId) {
        return MqttClient.builder().useMqttVersion3().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
    }

    static org.eclipse.paho.client.mqttv3.MqttClient paho3(BrokerFixture broker, String clientId) throws MqttException {
        return new org.eclipse.paho.client.mqttv3.MqttClient(broker.tcpUri(), clientId, new MemoryPersistence());
    }

    static org.eclipse.paho.mqttv5.client.MqttClient paho5(BrokerFixture broker, String clientId)
            throws org.eclipse.paho.mqttv5.common.MqttException {
        return new org.eclipse.paho.mqttv5.client.MqttClient(broker.tcpUri(), clientId,
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
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

    /** A Paho v3 callback collecting messages and the connection loss. */
    static final class Paho3Inbox implements MqttCallback {
        private final BlockingQueue<Received> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Throwable> lost = new CompletableFuture<>();

        @Override
        public void connectionLost(Throwable cause) {
            lost.complete(cause);
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            messages.add(new Received(topic, new String(message.getPayload(), StandardCharsets.UTF_8),
                    message.getQos(), message.isRetained()));
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }

        Received next() throws InterruptedException {
            Received r = messages.poll(TIMEOUT_S, TimeUnit.SECONDS);
            if (r == null) {
                throw new AssertionError("no message within " + TIMEOUT_S + " s");
            }
            return r;
        }

        Received expectNext(String payload) throws InterruptedException {
            Received r = next();
            assertThat(r.payload()).isEqualTo(payload);
            return r;
        }
    }

    /** A Paho v5 callback collecting messages and the disconnection. */
    static final class Paho5Inbox implements org.eclipse.paho.mqttv5.client.MqttCallback {
        private final BlockingQueue<Received> messages = new LinkedBlockingQueue<>();
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
            messages.add(new Received(topic, new String(message.getPayload(), StandardCharsets.UTF_8),
                    message.getQos(), message.isRetained()));
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

        Received expectNext(String payload) throws InterruptedException {
            Received r = messages.poll(TIMEOUT_S, TimeUnit.SECONDS);
            if (r == null) {
                throw new AssertionError("no message within " + TIMEOUT_S + " s");
            }
            assertThat(r.payload()).isEqualTo(payload);
            return r;
        }
    }
}
