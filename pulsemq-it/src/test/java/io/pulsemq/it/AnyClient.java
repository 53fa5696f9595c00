package io.pulsemq.it;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;


/**
 * The common subset of the four third-party clients (HiveMQ v3 and v5, Paho v3 and v5), so one test
 * can run against each: subscribe, publish, receive. Connected on creation.
 */
interface AnyClient extends AutoCloseable {

    /** A message as the client received it. */
    record Received(String topic, int qos, boolean retain, byte[] payload) {
        String text() {
            return new String(payload, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** Which client and MQTT version; {@code toString} names the test case. */
    enum Kind {
        HIVEMQ_V311, HIVEMQ_V5, PAHO_V311, PAHO_V5;

        /** Connects over TCP. */
        AnyClient connect(BrokerFixture broker, String clientId) throws Exception {
            return connect(broker, clientId, false);
        }

        /** Connects over TCP or over WebSocket on {@code /mqtt}. */
        AnyClient connect(BrokerFixture broker, String clientId, boolean webSocket) throws Exception {
            String uri = webSocket ? broker.wsUri() : broker.tcpUri();
            switch (this) {
                case HIVEMQ_V311: {
                    Mqtt3BlockingClient c = hiveMq(broker, clientId, webSocket).useMqttVersion3().buildBlocking();
                    c.connect();
                    return new HiveMqV3(c);
                }
                case HIVEMQ_V5: {
                    Mqtt5BlockingClient c = hiveMq(broker, clientId, webSocket).useMqttVersion5().buildBlocking();
                    c.connect();
                    return new HiveMqV5(c);
                }
                case PAHO_V311:
                    return new PahoV3(Clients.connectedPaho3(uri, clientId, MqttConnectOptions.MQTT_VERSION_3_1_1));
                default:
                    return new PahoV5(Clients.connectedPaho5(uri, clientId));
            }
        }

        private static MqttClientBuilder hiveMq(BrokerFixture broker, String clientId, boolean webSocket) {
            MqttClientBuilder b = MqttClient.builder().identifier(clientId).serverHost("127.0.0.1");
            return webSocket
                    ? b.serverPort(broker.wsPort()).webSocketConfig().serverPath("mqtt").applyWebSocketConfig()
                    : b.serverPort(broker.mqttPort());
        }
    }

    /** Subscribes and waits for the SUBACK. */
    void subscribe(String filter, int qos) throws Exception;

    /** Unsubscribes and waits for the UNSUBACK. */
    void unsubscribe(String filter) throws Exception;

    /** Publishes and waits for the publish flow to complete (PUBACK / PUBCOMP for QoS 1 / 2). */
    void publish(String topic, int qos, boolean retain, byte[] payload) throws Exception;

    /** The next message received, or a test failure after {@link Clients#TIMEOUT_S}. */
    Received next() throws Exception;

    /** Disconnects; failures to do so are unchecked. */
    @Override
    void close();

    final class HiveMqV3 implements AnyClient {
        private final Mqtt3BlockingClient client;
        private final Mqtt3BlockingClient.Mqtt3Publishes publishes;

        HiveMqV3(Mqtt3BlockingClient client) {
            this.client = client;
            this.publishes = client.publishes(MqttGlobalPublishFilter.ALL);
        }

        @Override
        public void subscribe(String filter, int qos) {
            client.subscribeWith().topicFilter(filter).qos(MqttQos.fromCode(qos)).send();
        }

        @Override
        public void unsubscribe(String filter) {
            client.unsubscribeWith().topicFilter(filter).send();
        }

        @Override
        public void publish(String topic, int qos, boolean retain, byte[] payload) {
            client.publishWith().topic(topic).qos(MqttQos.fromCode(qos)).retain(retain).payload(payload).send();
        }

        @Override
        public Received next() throws InterruptedException {
            Mqtt3Publish p = Clients.next(publishes);
            return new Received(p.getTopic().toString(), p.getQos().getCode(), p.isRetain(), p.getPayloadAsBytes());
        }

        @Override
        public void close() {
            publishes.close();
            client.disconnect();
        }
    }

    final class HiveMqV5 implements AnyClient {
        private final Mqtt5BlockingClient client;
        private final Mqtt5BlockingClient.Mqtt5Publishes publishes;

        HiveMqV5(Mqtt5BlockingClient client) {
            this.client = client;
            this.publishes = client.publishes(MqttGlobalPublishFilter.ALL);
        }

        @Override
        public void subscribe(String filter, int qos) {
            client.subscribeWith().topicFilter(filter).qos(MqttQos.fromCode(qos)).send();
        }

        @Override
        public void unsubscribe(String filter) {
            client.unsubscribeWith().topicFilter(filter).send();
        }

        @Override
        public void publish(String topic, int qos, boolean retain, byte[] payload) {
            client.publishWith().topic(topic).qos(MqttQos.fromCode(qos)).retain(retain).payload(payload).send();
        }

        @Override
        public Received next() throws InterruptedException {
            Mqtt5Publish p = Clients.next(publishes);
            return new Received(p.getTopic().toString(), p.getQos().getCode(), p.isRetain(), p.getPayloadAsBytes());
        }

        @Override
        public void close() {
            publishes.close();
            client.disconnect();
        }
    }

    final class PahoV3 implements AnyClient {
        private final Clients.Paho3 paho;

        PahoV3(Clients.Paho3 paho) {
            this.paho = paho;
        }

        @Override
        public void subscribe(String filter, int qos) throws Exception {
            paho.client().subscribe(filter, qos);
        }

        @Override
        public void unsubscribe(String filter) throws Exception {
            paho.client().unsubscribe(filter);
        }

        @Override
        public void publish(String topic, int qos, boolean retain, byte[] payload) throws Exception {
            // the synchronous client returns once the QoS flow is complete
            paho.client().publish(topic, payload, qos, retain);
        }

        @Override
        public Received next() throws Exception {
            Clients.Arrived<org.eclipse.paho.client.mqttv3.MqttMessage> a = paho.inbox().nextArrived();
            return new Received(a.topic(), a.message().getQos(), a.message().isRetained(), a.message().getPayload());
        }

        @Override
        public void close() {
            paho.close();
        }
    }

    final class PahoV5 implements AnyClient {
        private final Clients.Paho5 paho;

        PahoV5(Clients.Paho5 paho) {
            this.paho = paho;
        }

        @Override
        public void subscribe(String filter, int qos) throws Exception {
            Clients.await(paho.client().subscribe(filter, qos));
        }

        @Override
        public void unsubscribe(String filter) throws Exception {
            Clients.await(paho.client().unsubscribe(filter));
        }

        @Override
        public void publish(String topic, int qos, boolean retain, byte[] payload) throws Exception {
            Clients.await(paho.client().publish(topic, payload, qos, retain));
        }

        @Override
        public Received next() throws Exception {
            Clients.Arrived<org.eclipse.paho.mqttv5.common.MqttMessage> a = paho.inbox().nextArrived();
            return new Received(a.topic(), a.message().getQos(), a.message().isRetained(), a.message().getPayload());
        }

        @Override
        public void close() {
            paho.close();
        }
    }
}
