package io.pulsemq.it;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.pulsemq.it.Clients.Paho3Inbox;
import io.pulsemq.it.RawMqttClient.Connect;
import io.pulsemq.it.RecordingListener.Call;
import io.pulsemq.protocol.DisconnectReason;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pulsemq.it.Clients.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A second connection with a client ID that is connected ends the first one [MQTT-3.1.4-3]
 * (v5: DISCONNECT 0x8E first), and the lifecycle is reported in order: the old connection's end
 * before the new one's start (CONTRACT.md section 3). A late close of the old connection never
 * ends the new one.
 */
class TakeoverIT {

    private static final RecordingListener listener = new RecordingListener();
    private static BrokerFixture broker;
    private static Mqtt5BlockingClient publisher;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start(c -> c, listener);
        publisher = Clients.hive5(broker, "to-publisher");
        publisher.connect();
    }

    @AfterAll
    static void stop() {
        publisher.disconnect();
        broker.close();
    }

    @Test
    void takeover_v5SameClientId_endsOldConnectionWithSessionTakenOverFirst() throws Exception {
        CompletableFuture<Throwable> firstEnded = new CompletableFuture<>();
        Mqtt5BlockingClient first = MqttClient.builder().useMqttVersion5().identifier("to-v5")
                .serverHost("127.0.0.1").serverPort(broker.mqttPort())
                .addDisconnectedListener(ctx -> firstEnded.complete(ctx.getCause()))
                .buildBlocking();
        first.connect();

        Mqtt5BlockingClient second = Clients.hive5(broker, "to-v5");
        Mqtt5BlockingClient.Mqtt5Publishes publishes = second.publishes(MqttGlobalPublishFilter.ALL);
        second.connect();

        Throwable cause = firstEnded.get(Clients.TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(cause).isInstanceOf(Mqtt5DisconnectException.class);
        assertThat(((Mqtt5DisconnectException) cause).getMqttMessage().getReasonCode())
                .isEqualTo(Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER);
        assertTakeoverReportedInOrder("to-v5");

        second.subscribeWith().topicFilter("to/v5").qos(MqttQos.AT_LEAST_ONCE).send();
        publish(publisher, "to/v5", "to the new connection", 1);
        Clients.expectNext(publishes, "to the new connection");
        second.disconnect();
    }

    @Test
    void takeover_v3SameClientId_closesOldConnectionFirst() throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient first = Clients.paho3(broker, "to-v3");
        Paho3Inbox firstInbox = new Paho3Inbox();
        first.setCallback(firstInbox);
        first.connect(options3());

        org.eclipse.paho.client.mqttv3.MqttClient second = Clients.paho3(broker, "to-v3");
        Paho3Inbox secondInbox = new Paho3Inbox();
        second.setCallback(secondInbox);
        second.connect(options3());

        firstInbox.lost.get(Clients.TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(first.isConnected()).isFalse();
        assertTakeoverReportedInOrder("to-v3");

        second.subscribe("to/v3", 1);
        publish(publisher, "to/v3", "to the new connection", 1);
        secondInbox.expectNext("to the new connection");
        second.disconnect();
        first.close();
        second.close();
    }

    @Test
    void takeover_persistentSession_newConnectionInheritsSubscriptions() throws Exception {
        Mqtt5BlockingClient first = Clients.hive5(broker, "to-inherit");
        first.connectWith().sessionExpiryInterval(300).send();
        first.subscribeWith().topicFilter("to/inherit").qos(MqttQos.AT_LEAST_ONCE).send();

        Mqtt5BlockingClient second = Clients.hive5(broker, "to-inherit");
        Mqtt5BlockingClient.Mqtt5Publishes publishes = second.publishes(MqttGlobalPublishFilter.ALL);
        assertThat(second.connectWith().cleanStart(false).sessionExpiryInterval(300).send().isSessionPresent()).isTrue();
        publish(publisher, "to/inherit", "inherited", 1);
        Clients.expectNext(publishes, "inherited");
        second.disconnectWith().sessionExpiryInterval(0).send();
    }

    @Test
    void takeover_lateCloseOfOldConnection_neverEndsTheNewOne() throws Exception {
        RawMqttClient first = RawMqttClient.connect(broker, Connect.v311("to-stale"));
        Mqtt3BlockingClient second = Clients.hive3(broker, "to-stale");
        Mqtt3BlockingClient.Mqtt3Publishes publishes = second.publishes(MqttGlobalPublishFilter.ALL);
        second.connect();

        first.readUntilClosed(); // the broker has closed the old connection
        first.close();
        // A round trip through the new connection: the old one's close has been handled by now.
        second.subscribeWith().topicFilter("to/stale").qos(MqttQos.AT_LEAST_ONCE).send();
        publish(publisher, "to/stale", "still connected", 1);
        assertThat(new String(publishes.receive(Clients.TIMEOUT_S, TimeUnit.SECONDS).orElseThrow().getPayloadAsBytes(),
                StandardCharsets.UTF_8)).isEqualTo("still connected");
        assertThat(broker.broker().sessions().isConnected("to-stale")).isTrue();

        assertThat(broker.broker().sessions().kick("to-stale").toCompletableFuture().join()).isTrue();
        await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S)).until(() -> listener.of("to-stale").size() == 4);
        List<Call> calls = listener.of("to-stale");
        String a = calls.get(0).connectionId();
        String b = calls.get(2).connectionId();
        // the new connection's only end is the kick: the old connection's close did not touch it
        assertThat(calls).containsExactly(
                Call.connected("to-stale", a),
                Call.disconnected("to-stale", a, DisconnectReason.SESSION_TAKEN_OVER),
                Call.connected("to-stale", b),
                Call.disconnected("to-stale", b, DisconnectReason.KICKED));
    }

    /** connected(A), disconnected(A, session_taken_over), connected(B), and nothing else so far. */
    private static void assertTakeoverReportedInOrder(String clientId) {
        await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S)).until(() -> listener.of(clientId).size() >= 3);
        List<Call> calls = listener.of(clientId);
        String a = calls.get(0).connectionId();
        String b = calls.get(2).connectionId();
        assertThat(a).isNotEqualTo(b);
        assertThat(calls).containsExactly(
                Call.connected(clientId, a),
                Call.disconnected(clientId, a, DisconnectReason.SESSION_TAKEN_OVER),
                Call.connected(clientId, b));
    }

    private static MqttConnectOptions options3() {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setAutomaticReconnect(false);
        return o;
    }
}
