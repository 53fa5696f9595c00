package io.pulsemq.it;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.pulsemq.it.RawMqttClient.Connect;
import io.pulsemq.it.RawMqttClient.Packet;
import io.pulsemq.it.RecordingListener.Call;
import io.pulsemq.protocol.DisconnectReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.pulsemq.it.Clients.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Keep-alive [MQTT-3.1.2-22]: a client silent for one and a half times its keep-alive is
 * disconnected (v5: DISCONNECT 0x8D first) and the end is reported as {@code keepalive_timeout};
 * a client that pings stays connected.
 */
class KeepAliveIT {

    private static final RecordingListener listener = new RecordingListener();
    private static BrokerFixture broker;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start(c -> c, listener);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void keepAlive_v3SilentClient_disconnectedAndReportedAsKeepaliveTimeout() throws Exception {
        try (RawMqttClient silent = RawMqttClient.connect(broker, Connect.v311("ka-silent-v3").keepAlive(1))) {
            assertThat(silent.readUntilClosed()).isEmpty(); // v3: the connection just closes
        }
        assertEndedByKeepAliveTimeout("ka-silent-v3");
    }

    @Test
    void keepAlive_v5SilentClient_toldKeepAliveTimeoutAndDisconnected() throws Exception {
        try (RawMqttClient silent = RawMqttClient.connect(broker, Connect.v5("ka-silent-v5").keepAlive(1))) {
            List<Packet> before = silent.readUntilClosed();
            assertThat(before).hasSize(1);
            assertThat(before.get(0).type()).isEqualTo(RawMqttClient.DISCONNECT);
            assertThat(before.get(0).reasonCode()).isEqualTo(0x8D); // Keep Alive timeout
        }
        assertEndedByKeepAliveTimeout("ka-silent-v5");
    }

    @Test
    void keepAlive_pingingClient_staysConnected() throws Exception {
        Mqtt5BlockingClient pinger = Clients.hive5(broker, "ka-pinger");
        Mqtt5BlockingClient.Mqtt5Publishes publishes = pinger.publishes(MqttGlobalPublishFilter.ALL);
        pinger.connectWith().keepAlive(1).send();
        pinger.subscribeWith().topicFilter("ka/pinger").qos(MqttQos.AT_LEAST_ONCE).send();

        // A silent client connected after the pinger is cut off: by then the pinger, which sends
        // nothing but PINGREQ, has been idle for longer than its own keep-alive allows.
        try (RawMqttClient silent = RawMqttClient.connect(broker, Connect.v311("ka-reference").keepAlive(1))) {
            silent.readUntilClosed();
        }

        assertThat(pinger.getState().isConnected()).isTrue();
        assertThat(broker.broker().sessions().isConnected("ka-pinger")).isTrue();
        assertThat(listener.of("ka-pinger")).hasSize(1); // connected, never disconnected
        Mqtt5BlockingClient publisher = Clients.hive5(broker, "ka-publisher");
        publisher.connect();
        publish(publisher, "ka/pinger", "still here", 1);
        Clients.expectNext(publishes, "still here");
        publisher.disconnect();
        pinger.disconnect();
    }

    private static void assertEndedByKeepAliveTimeout(String clientId) {
        await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S)).until(() -> listener.of(clientId).size() == 2);
        List<Call> calls = listener.of(clientId);
        assertThat(calls.get(1).connected()).isFalse();
        assertThat(calls.get(1).reason()).isEqualTo(DisconnectReason.KEEPALIVE_TIMEOUT);
        assertThat(calls.get(1).clientSentDisconnect()).isFalse();
    }
}
