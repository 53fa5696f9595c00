package io.pulsemq.it;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import io.pulsemq.it.RawMqttClient.Connect;
import io.pulsemq.it.RecordingListener.Call;
import io.pulsemq.protocol.DisconnectReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.pulsemq.it.Clients.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The broker's keep-alive limits ({@code mqtt.maxKeepAlive}, {@code mqtt.allowZeroKeepAlive} off): MQTT 5
 * clients are told the Server Keep Alive [MQTT-3.1.2-21]; MQTT 3.1.1 clients cannot be told, so the broker
 * applies its own timeout and ends a silent client after it.
 */
class KeepAliveLimitsIT {

    private static final Duration MAX = Duration.ofSeconds(1);
    private static final RecordingListener listener = new RecordingListener();
    private static BrokerFixture broker;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start(BrokerFixture.keepAlive(MAX, false), listener);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void connect_v5KeepAliveAboveMaximum_toldServerKeepAlive() {
        Mqtt5BlockingClient client = Clients.hive5(broker, unique("ka-above-v5"));
        Mqtt5ConnAck ack = client.connectWith().keepAlive(600).send();
        assertThat(ack.getServerKeepAlive()).hasValue((int) MAX.toSeconds());
        client.disconnect();
    }

    @Test
    void connect_v5KeepAliveZeroNotAllowed_toldServerKeepAliveMaximum() {
        Mqtt5BlockingClient client = Clients.hive5(broker, unique("ka-zero-v5"));
        Mqtt5ConnAck ack = client.connectWith().keepAlive(0).send();
        assertThat(ack.getServerKeepAlive()).hasValue((int) MAX.toSeconds());
        client.disconnect();
    }

    @Test
    void keepAlive_v3AskingForMoreThanMaximum_silentClientEndedAfterBrokerTimeout() throws Exception {
        String clientId = unique("ka-above-v3");
        try (RawMqttClient silent = RawMqttClient.connectAccepted(broker, Connect.v311(clientId).keepAlive(600))) {
            silent.readUntilClosed(); // fails unless the broker closes well before the client's own 600 s
        }
        assertEndedByKeepAliveTimeout(clientId);
    }

    @Test
    void keepAlive_v3AskingForZeroNotAllowed_silentClientEndedAfterBrokerTimeout() throws Exception {
        String clientId = unique("ka-zero-v3");
        try (RawMqttClient silent = RawMqttClient.connectAccepted(broker, Connect.v311(clientId).keepAlive(0))) {
            silent.readUntilClosed();
        }
        assertEndedByKeepAliveTimeout(clientId);
    }

    private static void assertEndedByKeepAliveTimeout(String clientId) {
        await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S)).until(() -> listener.of(clientId).size() == 2);
        List<Call> calls = listener.of(clientId);
        assertThat(calls.get(1).connected()).isFalse();
        assertThat(calls.get(1).reason()).isEqualTo(DisconnectReason.KEEPALIVE_TIMEOUT);
    }
}
