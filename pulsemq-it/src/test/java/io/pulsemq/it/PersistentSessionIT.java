package io.pulsemq.it;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import io.pulsemq.it.Clients.Paho3Inbox;
import io.pulsemq.it.Clients.Paho5Inbox;
import io.pulsemq.it.Clients.Subscriber;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.pulsemq.it.Clients.expectNext;
import static io.pulsemq.it.Clients.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Sessions that outlive their connection (v3 clean session 0, v5 session expiry > 0): subscriptions
 * kept, QoS 1/2 queued while offline and delivered on reconnect with session present; clean
 * session / clean start discards; QoS 0 is not queued; the queue is bounded; v5 sessions expire.
 */
class PersistentSessionIT {

    /** Small enough to overflow in a test; no other test here queues more than two messages. */
    private static final int MAX_QUEUED = 3;

    private static BrokerFixture broker;
    private static Mqtt5BlockingClient publisher;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start(BrokerFixture.maxQueuedMessages(MAX_QUEUED));
        publisher = Clients.hive5(broker, "ps-publisher");
        publisher.connect();
    }

    @AfterAll
    static void stop() {
        publisher.disconnect();
        broker.close();
    }

    @Test
    void persistentSession_v3CleanSessionFalse_keepsSubscriptionAndDeliversQueuedQos1And2OnReconnect() throws Exception {
        MqttClient first = Clients.paho3(broker, "ps-v3-persistent");
        assertThat(first.connectWithResult(options3(false)).getSessionPresent()).isFalse();
        first.subscribe("ps/v3/#", 2);
        first.disconnect();
        first.close();

        publish(publisher, "ps/v3/a", "queued-qos1", 1);
        publish(publisher, "ps/v3/a", "queued-qos2", 2);

        MqttClient again = Clients.paho3(broker, "ps-v3-persistent");
        Paho3Inbox inbox = new Paho3Inbox();
        again.setCallback(inbox);
        assertThat(again.connectWithResult(options3(false)).getSessionPresent()).isTrue();
        assertThat(inbox.expectNext("queued-qos1").qos()).isEqualTo(1);
        assertThat(inbox.expectNext("queued-qos2").qos()).isEqualTo(2);
        publish(publisher, "ps/v3/a", "live", 1); // the subscription was kept: no new SUBSCRIBE
        inbox.expectNext("live");
        again.disconnect();
        again.close();
    }

    @Test
    void persistentSession_v5SessionExpiry_keepsSubscriptionAndDeliversQueuedQos1And2OnReconnect() throws Exception {
        Mqtt5BlockingClient first = Clients.hive5(broker, "ps-v5-persistent");
        assertThat(first.connectWith().cleanStart(true).sessionExpiryInterval(300).send().isSessionPresent()).isFalse();
        first.subscribeWith().topicFilter("ps/v5/#").qos(MqttQos.EXACTLY_ONCE).send();
        first.disconnect();

        publish(publisher, "ps/v5/a", "queued-qos1", 1);
        publish(publisher, "ps/v5/a", "queued-qos2", 2);

        Mqtt5BlockingClient again = Clients.hive5(broker, "ps-v5-persistent");
        Mqtt5BlockingClient.Mqtt5Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL);
        Mqtt5ConnAck ack = again.connectWith().cleanStart(false).sessionExpiryInterval(300).send();
        assertThat(ack.isSessionPresent()).isTrue();
        assertThat(expectNext(publishes, "queued-qos1").getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
        assertThat(expectNext(publishes, "queued-qos2").getQos()).isEqualTo(MqttQos.EXACTLY_ONCE);
        publish(publisher, "ps/v5/a", "live", 1);
        expectNext(publishes, "live");
        again.disconnect();
    }

    @Test
    void cleanSession_v3True_discardsSubscriptionsAndQueuedMessages() throws Exception {
        MqttClient first = Clients.paho3(broker, "ps-v3-clean");
        first.connect(options3(false));
        first.subscribe("ps/v3clean/data", 1);
        first.disconnect();
        first.close();
        publish(publisher, "ps/v3clean/data", "stale", 1);

        MqttClient clean = Clients.paho3(broker, "ps-v3-clean");
        Paho3Inbox inbox = new Paho3Inbox();
        clean.setCallback(inbox);
        assertThat(clean.connectWithResult(options3(true)).getSessionPresent()).isFalse();
        clean.subscribe("ps/v3clean/marker", 1);
        publish(publisher, "ps/v3clean/data", "after-clean", 1);
        publish(publisher, "ps/v3clean/marker", "marker", 1);
        // neither the queued "stale" nor "after-clean" (old subscription) came before the marker
        inbox.expectNext("marker");
        clean.disconnect();
        clean.close();

        // and the clean session itself ended with its connection
        MqttClient later = Clients.paho3(broker, "ps-v3-clean");
        assertThat(later.connectWithResult(options3(false)).getSessionPresent()).isFalse();
        later.disconnect();
        later.close();
    }

    @Test
    void cleanStart_v5True_discardsSubscriptionsAndQueuedMessages() throws Exception {
        org.eclipse.paho.mqttv5.client.MqttClient first = Clients.paho5(broker, "ps-v5-clean");
        first.connect(options5(true, 300));
        first.subscribe("ps/v5clean/data", 1);
        first.disconnect();
        first.close();
        publish(publisher, "ps/v5clean/data", "stale", 1);

        org.eclipse.paho.mqttv5.client.MqttClient clean = Clients.paho5(broker, "ps-v5-clean");
        Paho5Inbox inbox = new Paho5Inbox();
        clean.setCallback(inbox);
        assertThat(clean.connectWithResult(options5(true, 300)).getSessionPresent()).isFalse();
        clean.subscribe("ps/v5clean/marker", 1);
        publish(publisher, "ps/v5clean/data", "after-clean", 1);
        publish(publisher, "ps/v5clean/marker", "marker", 1);
        inbox.expectNext("marker");
        clean.disconnect();
        clean.close();
    }

    @Test
    void offlineQos0_persistentSession_isNotQueued() throws Exception {
        Mqtt5BlockingClient first = Clients.hive5(broker, "ps-qos0");
        first.connectWith().sessionExpiryInterval(300).send();
        first.subscribeWith().topicFilter("ps/qos0/#").qos(MqttQos.AT_LEAST_ONCE).send();
        first.disconnect();

        publish(publisher, "ps/qos0/a", "qos0-while-offline", 0);
        publish(publisher, "ps/qos0/a", "qos1-while-offline", 1);

        Mqtt5BlockingClient again = Clients.hive5(broker, "ps-qos0");
        Mqtt5BlockingClient.Mqtt5Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL);
        assertThat(again.connectWith().cleanStart(false).sessionExpiryInterval(300).send().isSessionPresent()).isTrue();
        expectNext(publishes, "qos1-while-offline"); // the QoS 0 message, published first, was not kept
        again.disconnect();
    }

    @Test
    void offlineQueue_overLimit_dropsExcessAndDeliversTheRestInOrder() throws Exception {
        Mqtt3BlockingClient first = Clients.hive3(broker, "ps-bounded");
        first.connectWith().cleanSession(false).send();
        first.subscribeWith().topicFilter("ps/bounded/#").qos(MqttQos.AT_LEAST_ONCE).send();
        first.disconnect();

        for (int i = 1; i <= MAX_QUEUED + 2; i++) {
            publish(publisher, "ps/bounded/a", "m" + i, 1);
        }

        Mqtt3BlockingClient again = Clients.hive3(broker, "ps-bounded");
        Mqtt3BlockingClient.Mqtt3Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL);
        assertThat(again.connectWith().cleanSession(false).send().isSessionPresent()).isTrue();
        for (int i = 1; i <= MAX_QUEUED; i++) {
            assertThat(text(publishes.receive(Clients.TIMEOUT_S, TimeUnit.SECONDS).orElseThrow())).isEqualTo("m" + i);
        }
        publish(publisher, "ps/bounded/a", "live", 1);
        // m4 and m5 found the queue full: the next message is the live one
        assertThat(text(publishes.receive(Clients.TIMEOUT_S, TimeUnit.SECONDS).orElseThrow())).isEqualTo("live");
        again.disconnect();
    }

    @Test
    void sessionExpiry_v5Elapsed_sessionIsGoneAndNotPresentOnReconnect() throws Exception {
        Mqtt5BlockingClient first = Clients.hive5(broker, "ps-expiring");
        first.connectWith().sessionExpiryInterval(1).send();
        first.subscribeWith().topicFilter("ps/expiring/data").qos(MqttQos.AT_LEAST_ONCE).send();
        first.disconnect();

        await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S))
                .until(() -> broker.broker().sessions().get("ps-expiring") == null);

        try (Subscriber again = reconnectExpectingNoSession("ps-expiring", "ps/expiring/marker")) {
            publish(publisher, "ps/expiring/data", "to-the-expired-subscription", 1);
            publish(publisher, "ps/expiring/marker", "marker", 1);
            again.expectNext("marker"); // the subscription expired with the session
        }
    }

    private static Subscriber reconnectExpectingNoSession(String clientId, String markerFilter) {
        Mqtt5BlockingClient c = Clients.hive5(broker, clientId);
        Mqtt5BlockingClient.Mqtt5Publishes publishes = c.publishes(MqttGlobalPublishFilter.ALL);
        assertThat(c.connectWith().cleanStart(false).sessionExpiryInterval(1).send().isSessionPresent()).isFalse();
        c.subscribeWith().topicFilter(markerFilter).qos(MqttQos.AT_LEAST_ONCE).send();
        return new Subscriber(c, publishes);
    }

    private static MqttConnectOptions options3(boolean cleanSession) {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(cleanSession);
        o.setAutomaticReconnect(false);
        return o;
    }

    private static MqttConnectionOptions options5(boolean cleanStart, long sessionExpiry) {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(cleanStart);
        o.setSessionExpiryInterval(sessionExpiry);
        o.setAutomaticReconnect(false);
        return o;
    }

    private static String text(Mqtt3Publish p) {
        return new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
    }
}
