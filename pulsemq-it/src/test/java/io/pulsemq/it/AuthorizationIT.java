package io.pulsemq.it;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.pulsemq.broker.config.AuthorizationConfig;
import io.pulsemq.broker.config.AuthorizationConfig.Decision;
import io.pulsemq.broker.config.AuthorizationRule;
import io.pulsemq.broker.config.AuthorizationRule.Action;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * MQTT topic authorization (CONTRACT.md section 6) with real clients: each device may use only its own tree
 * {@code devices/<clientId>/#} (default deny), its {@code status} topic not retained; observers may subscribe
 * to everything. Anonymous loopback connections, so only the rules decide.
 */
class AuthorizationIT {

    private static final AuthorizationConfig RULES = new AuthorizationConfig(Decision.DENY, List.of(
            new AuthorizationRule(Action.SUBSCRIBE, null, List.of("#"), null, null, List.of("observer*"), null),
            new AuthorizationRule(null, Action.RETAIN, List.of("devices/%c/status"), null, null, null, null),
            new AuthorizationRule(Action.ALL, null, List.of("devices/%c/#"), null, null, null, null)));

    private static BrokerFixture broker;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start(BrokerFixture.authorization(RULES));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void subscribe_v5_ownTreeGrantedOthersAndHashDenied0x87() {
        String id = Clients.unique("dev");
        Mqtt5BlockingClient c = Clients.connectedHive5(broker, id);
        assertThat(subAck(c, "devices/" + id + "/+/x")).isEqualTo(Mqtt5SubAckReasonCode.GRANTED_QOS_1);
        assertThat(subAck(c, "devices/other/#")).isEqualTo(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
        assertThat(subAck(c, "#")).isEqualTo(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
        c.disconnect();
    }

    @Test
    void subscribe_v311_deniedFilter_failure0x80() throws Exception {
        String id = Clients.unique("dev");
        Clients.Paho3 c = Clients.connectedPaho3(broker.tcpUri(), id, MqttConnectOptions.MQTT_VERSION_3_1_1);
        c.client().subscribe("devices/" + id + "/#", 1);
        MqttException denied = catchThrowableOfType(() -> c.client().subscribe("#", 1), MqttException.class);
        assertThat(denied.getReasonCode()).isEqualTo(0x80);
        c.client().disconnect();
        c.client().close();
    }

    @Test
    void publish_v5Qos1ToOtherTree_pubAck0x87AndNotDelivered() throws Exception {
        String id = Clients.unique("dev");
        try (Clients.Subscriber observer = Clients.subscriber(broker, Clients.unique("observer"), "devices/+/state")) {
            Mqtt5BlockingClient c = Clients.connectedHive5(broker, id);
            assertThat(pubAck(c, "devices/victim/state", "forged", false)).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            assertThat(pubAck(c, "devices/" + id + "/state", "own", false)).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            // the observer receives the allowed message first: the denied one was never routed
            observer.expectNext("own");
            c.disconnect();
        }
    }

    @Test
    void publish_v311ToOtherTree_droppedAndCounted() throws Exception {
        String id = Clients.unique("dev");
        try (Clients.Subscriber observer = Clients.subscriber(broker, Clients.unique("observer"), "devices/+/state")) {
            Clients.Paho3 c = Clients.connectedPaho3(broker.tcpUri(), id, MqttConnectOptions.MQTT_VERSION_3_1_1);
            c.client().publish("devices/victim/state", "forged".getBytes(StandardCharsets.UTF_8), 1, false);
            c.client().publish("devices/" + id + "/state", "own".getBytes(StandardCharsets.UTF_8), 1, false);
            observer.expectNext("own");
            assertThat(new ApiClient(broker.httpPort()).get("/metrics", BrokerFixture.ADMIN).body())
                    .containsPattern("pulsemq_messages_denied_total [1-9]");
            c.client().disconnect();
            c.client().close();
        }
    }

    @Test
    void publish_v311DeniedWithDisconnectConfigured_closesConnection() throws Exception {
        AuthorizationConfig disconnecting = new AuthorizationConfig(Decision.DENY, RULES.rules(),
                AuthorizationConfig.DeniedPublish.DISCONNECT);
        try (BrokerFixture strict = BrokerFixture.start(BrokerFixture.authorization(disconnecting))) {
            String id = Clients.unique("dev");
            Clients.Paho3 c = Clients.connectedPaho3(strict.tcpUri(), id, MqttConnectOptions.MQTT_VERSION_3_1_1);
            c.client().publish("devices/" + id + "/state", "own".getBytes(StandardCharsets.UTF_8), 1, false);
            catchThrowableOfType(() -> c.client().publish("devices/victim/state",
                    "forged".getBytes(StandardCharsets.UTF_8), 1, false), MqttException.class);
            assertThat(c.inbox().lost).succeedsWithin(Duration.ofSeconds(Clients.TIMEOUT_S));
            c.client().close();
        }
    }

    @Test
    void publish_v5RetainedWhereRetainDenied_pubAck0x87() {
        String id = Clients.unique("dev");
        Mqtt5BlockingClient c = Clients.connectedHive5(broker, id);
        assertThat(pubAck(c, "devices/" + id + "/status", "up", true)).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        assertThat(pubAck(c, "devices/" + id + "/status", "up", false)).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
        assertThat(pubAck(c, "devices/" + id + "/config", "v1", true)).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
        c.disconnect();
    }

    @Test
    void connect_willOnTopicNotAllowed_refusedV5AndV311() {
        String id = Clients.unique("dev");
        Mqtt5ConnAckException v5 = catchThrowableOfType(() -> Clients.hive5(broker, id).connectWith()
                .willPublish().topic("devices/victim/cmd").payload(new byte[]{1}).applyWillPublish().send(),
                Mqtt5ConnAckException.class);
        assertThat(v5.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);

        MqttException v3 = catchThrowableOfType(() -> {
            org.eclipse.paho.client.mqttv3.MqttClient c = Clients.paho3(broker, id);
            MqttConnectOptions options = new MqttConnectOptions();
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            options.setWill("devices/" + id + "/status", new byte[]{1}, 1, true); // retain denied there
            c.connect(options);
        }, MqttException.class);
        assertThat(v3.getReasonCode()).isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED);
        assertThat(broker.broker().sessions().isConnected(id)).isFalse();
    }

    @Test
    void subscribe_v5SharedOnOtherTree_denied0x87() {
        String id = Clients.unique("dev");
        Mqtt5BlockingClient c = Clients.connectedHive5(broker, id);
        assertThat(subAck(c, "$share/team/devices/" + id + "/#")).isEqualTo(Mqtt5SubAckReasonCode.GRANTED_QOS_1);
        assertThat(subAck(c, "$share/team/devices/other/#")).isEqualTo(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
        assertThat(subAck(c, "$share/team/#")).isEqualTo(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
        c.disconnect();
    }

    @Test
    void publish_v5P2pToOtherDevice_pubAck0x87AndNotDelivered() throws Exception {
        String victim = Clients.unique("victim");
        Mqtt5BlockingClient target = Clients.hive5(broker, victim);
        Mqtt5BlockingClient.Mqtt5Publishes inbox = target.publishes(MqttGlobalPublishFilter.ALL);
        target.connect();
        target.subscribeWith().topicFilter("devices/" + victim + "/#").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient attacker = Clients.connectedHive5(broker, Clients.unique("dev"));

        assertThat(pubAck(attacker, "GID_car/p2p/" + victim, "forged", false))
                .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        Clients.publish(target, "devices/" + victim + "/self", "marker", 1);
        Clients.expectNext(inbox, "marker");
        attacker.disconnect();
        target.disconnect();
    }

    private static Mqtt5SubAckReasonCode subAck(Mqtt5BlockingClient c, String filter) {
        Mqtt5SubAck ack;
        try {
            ack = c.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
        } catch (Mqtt5SubAckException e) {
            ack = e.getMqttMessage();
        }
        return ack.getReasonCodes().get(0);
    }

    private static Mqtt5PubAckReasonCode pubAck(Mqtt5BlockingClient c, String topic, String payload, boolean retain) {
        try {
            Mqtt5PublishResult result = c.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(retain)
                    .payload(payload.getBytes(StandardCharsets.UTF_8)).send();
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck().getReasonCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }
}
