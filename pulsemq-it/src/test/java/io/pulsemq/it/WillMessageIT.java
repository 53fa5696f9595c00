package io.pulsemq.it;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.pulsemq.broker.session.LifecycleListener;
import io.pulsemq.it.Clients.Subscriber;
import io.pulsemq.it.RawMqttClient.Connect;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pulsemq.it.Clients.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Will messages [MQTT-3.1.2-8]: published when a connection ends without a normal DISCONNECT
 * (connection lost, keep-alive timeout, kicked, v5 DISCONNECT 0x04), discarded after a normal
 * DISCONNECT [MQTT-3.14.4-3]; v5 Will Delay Interval [MQTT-3.1.3-9]; retained wills; a graceful broker
 * stop publishes the wills of the connections it closes, and a delayed will waits across a restart (crashes:
 * CrashRecoveryIT).
 *
 * <p>Clean sessions are used where a will must be shown absent: such a session is removed only
 * after its will would have been published, so once it is gone a later marker proves the absence.
 */
class WillMessageIT {

    private static BrokerFixture broker;
    private static Mqtt5BlockingClient publisher;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start();
        publisher = Clients.hive5(broker, "will-publisher");
        publisher.connect();
    }

    @AfterAll
    static void stop() {
        publisher.disconnect();
        broker.close();
    }

    @Test
    void gracefulShutdown_publishesTheWillOfAConnectedClient() throws Exception {
        try (BrokerFixture own = BrokerFixture.start()) {
            org.eclipse.paho.client.mqttv3.MqttClient device = Clients.paho3(own, "will-shutdown");
            MqttConnectOptions o = new MqttConnectOptions();
            o.setAutomaticReconnect(false);
            o.setWill("will/shutdown", "shutdown: device gone".getBytes(StandardCharsets.UTF_8), 1, true);
            device.connect(o);

            own.restart(); // the broker, not the device, closes the connection

            try (Subscriber sub = Clients.subscriber(own, "will-shutdown-sub", "will/shutdown")) {
                assertThat(sub.expectNext("shutdown: device gone").isRetain()).isTrue();
            }
            device.close(true);
        }
    }

    @Test
    void delayedWill_outlivesARestart_andIsPublishedOnceDue() throws Exception {
        AdjustableClock clock = new AdjustableClock();
        try (BrokerFixture own = BrokerFixture.start(c -> c, LifecycleListener.NONE, clock)) {
            Mqtt5BlockingClient device = MqttClient.builder().useMqttVersion5().identifier("will-kept")
                    .serverHost("127.0.0.1").serverPort(own.mqttPort()).buildBlocking();
            device.connectWith().sessionExpiryInterval(7200)
                    .willPublish().topic("will/kept").payload("kept will".getBytes(StandardCharsets.UTF_8))
                    .qos(MqttQos.AT_LEAST_ONCE).retain(true).delayInterval(3600).applyWillPublish()
                    .send();

            own.restart(); // the will's delay has not passed: kept with the session
            clock.advance(Duration.ofSeconds(3601));
            own.restart(); // now it has

            try (Subscriber sub = Clients.subscriber(own, "will-kept-sub", "will/kept")) {
                sub.expectNext("kept will"); // retained, or live if the subscription came first
            }
        }
    }

    @Test
    void will_v3ConnectionLost_isPublished() throws Exception {
        try (Subscriber sub = Clients.subscriber(broker, "will-lost3-sub", "will/lost3")) {
            org.eclipse.paho.client.mqttv3.MqttClient device = Clients.paho3(broker, "will-lost3");
            MqttConnectOptions o = new MqttConnectOptions();
            o.setWill("will/lost3", "lost3 is gone".getBytes(StandardCharsets.UTF_8), 1, false);
            device.connect(o);
            device.disconnectForcibly(0, 0, false); // the socket closes without DISCONNECT
            sub.expectNext("lost3 is gone");
            device.close();
        }
    }

    @Test
    void will_v5SocketClosed_isPublished() throws Exception {
        try (Subscriber sub = Clients.subscriber(broker, "will-lost5-sub", "will/lost5")) {
            RawMqttClient device = RawMqttClient.connect(broker,
                    Connect.v5("will-lost5").will("will/lost5", "lost5 is gone", 1, false));
            device.close();
            sub.expectNext("lost5 is gone");
        }
    }

    @Test
    void will_keepAliveTimeout_isPublished() throws Exception {
        try (Subscriber sub = Clients.subscriber(broker, "will-silent-sub", "will/silent");
             RawMqttClient device = RawMqttClient.connect(broker,
                     Connect.v311("will-silent").keepAlive(1).will("will/silent", "silent is gone", 1, false))) {
            sub.expectNext("silent is gone");
            device.readUntilClosed();
        }
    }

    @Test
    void will_kickedByServer_isPublishedAndV5ClientToldAdministrativeAction() throws Exception {
        try (Subscriber sub = Clients.subscriber(broker, "will-kicked-sub", "will/kicked")) {
            CompletableFuture<Throwable> disconnected = new CompletableFuture<>();
            Mqtt5BlockingClient device = MqttClient.builder().useMqttVersion5().identifier("will-kicked")
                    .serverHost("127.0.0.1").serverPort(broker.mqttPort())
                    .addDisconnectedListener(ctx -> disconnected.complete(ctx.getCause()))
                    .buildBlocking();
            device.connectWith().willPublish().topic("will/kicked")
                    .payload("kicked is gone".getBytes(StandardCharsets.UTF_8)).qos(MqttQos.AT_LEAST_ONCE).applyWillPublish()
                    .send();

            assertThat(broker.broker().sessions().kick("will-kicked").toCompletableFuture().join()).isTrue();

            sub.expectNext("kicked is gone");
            Throwable cause = disconnected.get(Clients.TIMEOUT_S, TimeUnit.SECONDS);
            assertThat(cause).isInstanceOf(Mqtt5DisconnectException.class);
            assertThat(((Mqtt5DisconnectException) cause).getMqttMessage().getReasonCode())
                    .isEqualTo(Mqtt5DisconnectReasonCode.ADMINISTRATIVE_ACTION);
        }
    }

    @Test
    void will_v3NormalDisconnect_isNotPublished() throws Exception {
        try (Subscriber sub = Clients.subscriber(broker, "will-normal3-sub", "will/normal3")) {
            org.eclipse.paho.client.mqttv3.MqttClient device = Clients.paho3(broker, "will-normal3");
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(true);
            o.setWill("will/normal3", "must not appear".getBytes(StandardCharsets.UTF_8), 1, false);
            device.connect(o);
            device.disconnect();
            device.close();
            awaitSessionGone("will-normal3");

            publish(publisher, "will/normal3", "marker", 1);
            sub.expectNext("marker");
        }
    }

    @Test
    void will_v5NormalDisconnect_isNotPublished() throws Exception {
        try (Subscriber sub = Clients.subscriber(broker, "will-normal5-sub", "will/normal5")) {
            Mqtt5BlockingClient device = Clients.hive5(broker, "will-normal5");
            device.connectWith().willPublish().topic("will/normal5")
                    .payload("must not appear".getBytes(StandardCharsets.UTF_8)).applyWillPublish().send();
            device.disconnect();
            awaitSessionGone("will-normal5");

            publish(publisher, "will/normal5", "marker", 1);
            sub.expectNext("marker");
        }
    }

    @Test
    void will_v5DisconnectWithWillMessage_isPublished() throws Exception {
        try (Subscriber sub = Clients.subscriber(broker, "will-asked-sub", "will/asked")) {
            Mqtt5BlockingClient device = Clients.hive5(broker, "will-asked");
            device.connectWith().willPublish().topic("will/asked")
                    .payload("asked for the will".getBytes(StandardCharsets.UTF_8)).applyWillPublish().send();
            device.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();
            sub.expectNext("asked for the will");
        }
    }

    @Test
    void will_v5DisconnectWithErrorReason_isPublished() throws Exception {
        try (Subscriber sub = Clients.subscriber(broker, "will-error-sub", "will/error")) {
            Mqtt5BlockingClient device = Clients.hive5(broker, "will-error");
            device.connectWith().willPublish().topic("will/error")
                    .payload("ended in error".getBytes(StandardCharsets.UTF_8)).applyWillPublish().send();
            device.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.UNSPECIFIED_ERROR).send();
            sub.expectNext("ended in error"); // only reason 0x00 discards the will
        }
    }

    @Test
    void willDelay_connectionLostAndNoReconnect_isPublishedAfterTheDelay() throws Exception {
        try (Subscriber sub = Clients.subscriber(broker, "will-delayed-sub", "will/delayed")) {
            org.eclipse.paho.mqttv5.client.MqttClient device = Clients.paho5(broker, "will-delayed");
            device.connect(withWill("will/delayed", "delayed will", 1));
            device.disconnectForcibly(0, 0, false);
            awaitOffline("will-delayed");

            publish(publisher, "will/delayed", "marker", 1);
            sub.expectNext("marker"); // the will waits for its delay
            sub.expectNext("delayed will");
            device.close();
        }
    }

    @Test
    void willDelay_reconnectWithinTheDelay_cancelsTheWill() throws Exception {
        try (Subscriber sub = Clients.subscriber(broker, "will-back-sub", "will/back/#")) {
            org.eclipse.paho.mqttv5.client.MqttClient device = Clients.paho5(broker, "will-back");
            device.connect(withWill("will/back/device", "must not appear", 3));
            device.disconnectForcibly(0, 0, false);
            awaitOffline("will-back");
            device.connect(withWill("will/back/device", "must not appear", 3)); // well within 3 s

            // A reference will with the same delay, due after the cancelled one would have been.
            org.eclipse.paho.mqttv5.client.MqttClient reference = Clients.paho5(broker, "will-back-reference");
            reference.connect(withWill("will/back/reference", "reference will", 3));
            reference.disconnectForcibly(0, 0, false);

            sub.expectNext("reference will");
            device.disconnect();
            device.close();
            reference.close();
        }
    }

    @Test
    void willDelay_longerThanSessionExpiry_isPublishedWhenTheSessionEnds() throws Exception {
        try (Subscriber sub = Clients.subscriber(broker, "will-expiring-sub", "will/expiring")) {
            RawMqttClient device = RawMqttClient.connect(broker, Connect.v5("will-expiring").sessionExpiry(1)
                    .will("will/expiring", "session ended", 1, false).willDelay(3600));
            device.close();
            sub.expectNext("session ended");
            awaitSessionGone("will-expiring"); // the will and the session end together
        }
    }

    @Test
    void will_retained_isKeptForLaterSubscribers() throws Exception {
        try (Subscriber live = Clients.subscriber(broker, "will-retained-live", "will/retained")) {
            RawMqttClient device = RawMqttClient.connect(broker,
                    Connect.v311("will-retained").will("will/retained", "retained will", 1, true));
            device.close();
            live.expectNext("retained will");
        }
        try (Subscriber later = Clients.subscriber(broker, "will-retained-later", "will/retained")) {
            Mqtt5Publish p = later.expectNext("retained will");
            assertThat(p.isRetain()).isTrue();
        }
    }

    /** Session expiry 300 s, will with the given delay. */
    private static MqttConnectionOptions withWill(String topic, String payload, long delaySeconds) {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(false);
        o.setSessionExpiryInterval(300L);
        o.setAutomaticReconnect(false);
        MqttMessage will = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
        will.setQos(1);
        o.setWill(topic, will);
        MqttProperties props = new MqttProperties();
        props.setWillDelayInterval(delaySeconds);
        o.setWillMessageProperties(props);
        return o;
    }

    private static void awaitOffline(String clientId) {
        await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S)).until(() -> !broker.broker().sessions().isConnected(clientId));
    }

    private static void awaitSessionGone(String clientId) {
        await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S)).until(() -> broker.broker().sessions().get(clientId) == null);
    }
}
