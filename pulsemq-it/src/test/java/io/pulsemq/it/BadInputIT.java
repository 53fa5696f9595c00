package io.pulsemq.it;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.pulsemq.it.Clients.Subscriber;
import io.pulsemq.it.RawMqttClient.Connect;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static io.pulsemq.it.Clients.publish;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Misbehaving sockets are closed one by one: garbage, a CONNECT that never comes, a PUBLISH
 * before CONNECT [MQTT-3.1.0-1], a malformed packet after CONNECT. A well-behaved client
 * connected all along keeps publishing and receiving.
 */
class BadInputIT {

    private static final AtomicInteger sequence = new AtomicInteger();
    private static BrokerFixture broker;
    private static Mqtt5BlockingClient healthyPublisher;
    private static Subscriber healthySubscriber;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start(BrokerFixture.connectTimeout(Duration.ofSeconds(1)));
        healthyPublisher = Clients.hive5(broker, "bad-healthy-publisher");
        healthyPublisher.connect();
        healthySubscriber = Clients.subscriber(broker, "bad-healthy-subscriber", "bad/#");
    }

    @AfterAll
    static void stop() {
        healthySubscriber.close();
        healthyPublisher.disconnect();
        broker.close();
    }

    /** After each misbehaving socket: the healthy clients are connected and messages flow. */
    @AfterEach
    void healthyClientsUnaffected() throws Exception {
        assertThat(healthyPublisher.getState().isConnected()).isTrue();
        assertThat(healthySubscriber.client().getState().isConnected()).isTrue();
        String payload = "healthy-" + sequence.incrementAndGet();
        publish(healthyPublisher, "bad/healthy", payload, 1);
        healthySubscriber.expectNext(payload);
    }

    @Test
    void garbageBytes_insteadOfConnect_closeThatConnection() throws Exception {
        try (RawMqttClient raw = RawMqttClient.open(broker, RawMqttClient.V311)) {
            // packet type 0 is reserved; the rest is noise
            raw.send(new byte[] {0x00, 0x05, (byte) 0xDE, (byte) 0xAD, (byte) 0xBE, (byte) 0xEF, 0x00});
            assertThat(raw.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void noConnect_withinConnectTimeout_closesThatConnection() throws Exception {
        try (RawMqttClient raw = RawMqttClient.open(broker, RawMqttClient.V311)) {
            assertThat(raw.readUntilClosed()).isEmpty();
        }
    }

    @Test
    void publishBeforeConnect_closesThatConnectionAndIsNotRouted() throws Exception {
        try (RawMqttClient raw = RawMqttClient.open(broker, RawMqttClient.V311)) {
            raw.send(RawMqttClient.publishPacket(RawMqttClient.V311, "bad/early", "before connect", 0, 0, false));
            assertThat(raw.readUntilClosed()).isEmpty();
        }
        publish(healthyPublisher, "bad/early", "marker", 1);
        healthySubscriber.expectNext("marker"); // the PUBLISH before CONNECT never reached anyone
    }

    @Test
    void garbageBytes_afterConnect_closeThatConnection() throws Exception {
        try (RawMqttClient raw = RawMqttClient.connect(broker, Connect.v311("bad-garbage-after-connect"))) {
            raw.send(new byte[] {0x00, 0x05, (byte) 0xDE, (byte) 0xAD, (byte) 0xBE, (byte) 0xEF, 0x00});
            assertThat(raw.readUntilClosed()).isEmpty();
        }
    }
}
