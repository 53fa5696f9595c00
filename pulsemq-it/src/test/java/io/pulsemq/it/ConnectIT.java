package io.pulsemq.it;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAck;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckRestrictions;
import io.pulsemq.broker.config.MqttConfig;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.pulsemq.it.Clients.unique;
import static io.pulsemq.it.Clients.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * CONNECT / CONNACK with MQTT 3.1, 3.1.1 and 5.0 clients: what each version is granted and told, and
 * the client identifier rules that differ between versions.
 */
class ConnectIT {

    /** Lower than the client default of 60 s times two, so a client asking for more is capped. */
    private static final Duration MAX_KEEP_ALIVE = Duration.ofSeconds(100);

    private static BrokerFixture broker;
    private static MqttConfig limits;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = BrokerFixture.start(BrokerFixture.maxKeepAlive(MAX_KEEP_ALIVE));
        limits = broker.config().mqtt();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void connect_mqtt31Paho_acceptedAndExchangesMessagesWith311() throws Exception {
        String topic = unique("c31/t");
        try (Clients.Paho3 v31 = Clients.connectedPaho3(broker.tcpUri(), unique("p31"), MqttConnectOptions.MQTT_VERSION_3_1);
             Clients.Paho3 v311 = Clients.connectedPaho3(broker.tcpUri(), unique("p311"),
                     MqttConnectOptions.MQTT_VERSION_3_1_1)) {
            assertThat(v31.client().isConnected()).isTrue();
            v31.client().subscribe(topic, 1);
            v311.client().subscribe(topic, 1);

            v31.client().publish(topic, utf8("from 3.1"), 1, false);

            assertThat(v31.inbox().next().payload()).isEqualTo("from 3.1");
            assertThat(v311.inbox().next().payload()).isEqualTo("from 3.1");
        }
    }

    @Test
    void connect_mqtt311_acceptedWithoutSessionPresent() {
        Mqtt3BlockingClient client = Clients.hive3(broker, unique("h311"));

        Mqtt3ConnAck ack = client.connect();

        assertThat(ack.getReturnCode()).isEqualTo(Mqtt3ConnAckReturnCode.SUCCESS);
        assertThat(ack.isSessionPresent()).isFalse();
        client.disconnect();
    }

    @Test
    void connect_v5_connAckAnnouncesBrokerLimitsAndFeatures() {
        Mqtt5BlockingClient client = Clients.hive5(broker, unique("h5"));

        Mqtt5ConnAck ack = client.connectWith().keepAlive(30).send();

        Mqtt5ConnAckRestrictions r = ack.getRestrictions();
        assertThat(r.getReceiveMaximum()).isEqualTo(limits.receiveMaximum());
        assertThat(r.getMaximumPacketSize()).isEqualTo(limits.maxPacketSize());
        assertThat(r.getTopicAliasMaximum()).isEqualTo(limits.topicAliasMaximum());
        assertThat(r.getMaximumQos()).isEqualTo(MqttQos.EXACTLY_ONCE);
        assertThat(r.isRetainAvailable()).isTrue();
        assertThat(r.isWildcardSubscriptionAvailable()).isTrue();
        assertThat(r.isSharedSubscriptionAvailable()).isTrue();
        assertThat(r.areSubscriptionIdentifiersAvailable()).isTrue();
        assertThat(ack.isSessionPresent()).isFalse();
        assertThat(ack.getAssignedClientIdentifier()).isEmpty();
        assertThat(ack.getServerKeepAlive()).as("keep-alive within the broker's maximum is kept").isEmpty();
        client.disconnect();
    }

    @Test
    void connect_v5KeepAliveAboveMaximum_serverKeepAliveAnnounced() {
        Mqtt5BlockingClient client = Clients.hive5(broker, unique("h5ka"));

        Mqtt5ConnAck ack = client.connectWith().keepAlive(600).send();

        assertThat(ack.getServerKeepAlive()).hasValue((int) MAX_KEEP_ALIVE.toSeconds());
        client.disconnect();
    }

    @Test
    void connect_v5EmptyClientId_assignedIdentifierReturnedAndUsable() {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5()
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();

        Mqtt5ConnAck ack = client.connect();

        assertThat(ack.getAssignedClientIdentifier()).isPresent();
        String assigned = ack.getAssignedClientIdentifier().get().toString();
        assertThat(assigned).isNotEmpty();
        assertThat(broker.broker().sessions().isConnected(assigned)).isTrue();
        // a second client without ID gets a different identifier
        Mqtt5BlockingClient other = MqttClient.builder().useMqttVersion5()
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        assertThat(other.connect().getAssignedClientIdentifier().map(Object::toString)).isPresent().get()
                .isNotEqualTo(assigned);
        other.disconnect();
        client.disconnect();
    }

    @Test
    void connect_v311EmptyClientIdWithCleanSession_acceptedAndWorks() throws Exception {
        Mqtt3BlockingClient client = MqttClient.builder().useMqttVersion3()
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();

        Mqtt3ConnAck ack = client.connectWith().cleanSession(true).send();

        assertThat(ack.getReturnCode()).isEqualTo(Mqtt3ConnAckReturnCode.SUCCESS);
        String topic = unique("empty-id/t");
        try (Mqtt3BlockingClient.Mqtt3Publishes publishes = client.publishes(MqttGlobalPublishFilter.ALL)) {
            client.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("anonymous")).send();
            assertThat(new String(Clients.next(publishes).getPayloadAsBytes())).isEqualTo("anonymous");
        }
        client.disconnect();
    }

    @Test
    void connect_v311EmptyClientIdWithoutCleanSession_refusedIdentifierRejected() {
        Mqtt3BlockingClient client = MqttClient.builder().useMqttVersion3()
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();

        // [MQTT-3.1.3-8]: CONNACK return code 0x02, then the connection is closed
        assertThatThrownBy(() -> client.connectWith().cleanSession(false).send())
                .isInstanceOfSatisfying(Mqtt3ConnAckException.class, e -> assertThat(e.getMqttMessage().getReturnCode())
                        .isEqualTo(Mqtt3ConnAckReturnCode.IDENTIFIER_REJECTED));
        assertThat(client.getState().isConnected()).isFalse();
    }
}
