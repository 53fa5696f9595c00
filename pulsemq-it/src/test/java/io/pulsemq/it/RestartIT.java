package io.pulsemq.it;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.pulsemq.it.Clients.Paho3Inbox;
import io.pulsemq.it.Clients.Subscriber;
import io.pulsemq.it.RawMqttClient.Connect;
import io.pulsemq.it.RawMqttClient.Packet;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pulsemq.it.Clients.publish;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A graceful restart on the same data directory keeps persistent sessions with their
 * subscriptions, queued and in-flight messages, and retained messages; clean sessions do not
 * survive it. Each test restarts the class's broker, so clients reconnect to the new port.
 */
class RestartIT {

    private static BrokerFixture broker;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void restart_persistentSessions_keepSubscriptionsQueuedMessagesAndRetained() throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient v3 = Clients.paho3(broker, "rs-v3");
        v3.connect(options3(false));
        v3.subscribe("rs/v3/#", 1);
        v3.disconnect();
        v3.close();
        Mqtt5BlockingClient v5 = Clients.hive5(broker, "rs-v5");
        v5.connectWith().sessionExpiryInterval(3600).send();
        v5.subscribeWith().topicFilter("rs/v5/#").qos(MqttQos.EXACTLY_ONCE).send();
        v5.disconnect();

        Mqtt5BlockingClient publisher = Clients.hive5(broker, "rs-publisher");
        publisher.connect();
        publish(publisher, "rs/v3/a", "queued for v3", 1);
        publish(publisher, "rs/v5/a", "queued for v5", 2);
        publish(publisher, "rs/retained/a", "retained across restart", 1, true);
        publisher.disconnect();

        broker.restart();
        publisher = Clients.hive5(broker, "rs-publisher");
        publisher.connect();

        org.eclipse.paho.client.mqttv3.MqttClient v3Again = Clients.paho3(broker, "rs-v3");
        Paho3Inbox inbox = new Paho3Inbox();
        v3Again.setCallback(inbox);
        assertThat(v3Again.connectWithResult(options3(false)).getSessionPresent()).isTrue();
        inbox.expectNext("queued for v3");
        publish(publisher, "rs/v3/a", "live for v3", 1);
        inbox.expectNext("live for v3"); // subscription restored
        v3Again.disconnect();
        v3Again.close();

        Mqtt5BlockingClient v5Again = Clients.hive5(broker, "rs-v5");
        Mqtt5BlockingClient.Mqtt5Publishes publishes = v5Again.publishes(MqttGlobalPublishFilter.ALL);
        assertThat(v5Again.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent()).isTrue();
        Mqtt5Publish queued = Clients.expectNext(publishes, "queued for v5");
        assertThat(queued.getQos()).isEqualTo(MqttQos.EXACTLY_ONCE);
        publish(publisher, "rs/v5/a", "live for v5", 1);
        Clients.expectNext(publishes, "live for v5");
        v5Again.disconnect();

        try (Subscriber late = Clients.subscriber(broker, "rs-late", "rs/retained/#")) {
            assertThat(late.expectNext("retained across restart").isRetain()).isTrue();
        }
        publisher.disconnect();
    }

    @Test
    void restart_inflightMessage_redeliveredWithDupAfterRestart() throws Exception {
        Packet sent;
        try (RawMqttClient raw = RawMqttClient.connect(broker, Connect.v311("rs-inflight").cleanStart(false))) {
            raw.subscribe(1, "rs/inflight", 1);
            Mqtt5BlockingClient publisher = Clients.hive5(broker, "rs-inflight-publisher");
            publisher.connect();
            publish(publisher, "rs/inflight", "unacked at restart", 1);
            publisher.disconnect();
            sent = raw.read(); // not acknowledged
            broker.restart();
            raw.readUntilClosed();
        }

        try (RawMqttClient raw = RawMqttClient.connect(broker, Connect.v311("rs-inflight").cleanStart(false))) {
            assertThat(raw.connAck().sessionPresent()).isTrue();
            Packet again = raw.read();
            assertThat(again.type()).isEqualTo(RawMqttClient.PUBLISH);
            assertThat(again.dup()).isTrue();
            assertThat(again.packetId()).isEqualTo(sent.packetId());
            assertThat(again.payload()).isEqualTo("unacked at restart");
            raw.pubAck(again.packetId());
            raw.disconnect();
        }
    }

    @Test
    void restart_connectedV5Client_toldServerShuttingDownAndKeepsSession() throws Exception {
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("rs-online")
                .serverHost("127.0.0.1").serverPort(broker.mqttPort())
                .addDisconnectedListener(ctx -> ended.complete(ctx.getCause()))
                .buildBlocking();
        client.connectWith().sessionExpiryInterval(3600).send();
        client.subscribeWith().topicFilter("rs/online").qos(MqttQos.AT_LEAST_ONCE).send();

        broker.restart();

        Throwable cause = ended.get(Clients.TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(cause).isInstanceOf(Mqtt5DisconnectException.class);
        assertThat(((Mqtt5DisconnectException) cause).getMqttMessage().getReasonCode())
                .isEqualTo(Mqtt5DisconnectReasonCode.SERVER_SHUTTING_DOWN);
        Mqtt5BlockingClient again = Clients.hive5(broker, "rs-online");
        Mqtt5BlockingClient.Mqtt5Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL);
        assertThat(again.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent()).isTrue();
        Mqtt5BlockingClient publisher = Clients.hive5(broker, "rs-online-publisher");
        publisher.connect();
        publish(publisher, "rs/online", "after restart", 1);
        Clients.expectNext(publishes, "after restart");
        publisher.disconnect();
        again.disconnect();
    }

    @Test
    void restart_cleanSession_isNotRestored() throws Exception {
        org.eclipse.paho.client.mqttv3.MqttClient clean = Clients.paho3(broker, "rs-clean");
        Paho3Inbox inbox = new Paho3Inbox();
        clean.setCallback(inbox);
        clean.connect(options3(true));
        clean.subscribe("rs/clean/data", 1);

        broker.restart();
        inbox.lost.get(Clients.TIMEOUT_S, TimeUnit.SECONDS);
        clean.close();
        assertThat(broker.broker().sessions().get("rs-clean")).isNull();

        org.eclipse.paho.client.mqttv3.MqttClient again = Clients.paho3(broker, "rs-clean");
        Paho3Inbox againInbox = new Paho3Inbox();
        again.setCallback(againInbox);
        assertThat(again.connectWithResult(options3(false)).getSessionPresent()).isFalse();
        again.subscribe("rs/clean/marker", 1);
        Mqtt5BlockingClient publisher = Clients.hive5(broker, "rs-clean-publisher");
        publisher.connect();
        publish(publisher, "rs/clean/data", "to the old subscription", 1);
        publish(publisher, "rs/clean/marker", "marker", 1);
        againInbox.expectNext("marker"); // the clean session's subscription did not come back
        publisher.disconnect();
        again.disconnect();
        again.close();
    }

    private static MqttConnectOptions options3(boolean cleanSession) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(cleanSession);
        o.setAutomaticReconnect(false);
        return o;
    }
}
