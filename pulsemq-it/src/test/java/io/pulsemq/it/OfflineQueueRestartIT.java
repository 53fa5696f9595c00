package io.pulsemq.it;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.pulsemq.broker.session.Session;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An offline persistent session's queue lives in the store, not on the heap, and is paged back in when its client
 * returns: a queue of large messages survives a restart (which reads only the sessions' metadata and
 * subscriptions, not their messages) and reaches the client complete, in order, byte for byte.
 */
class OfflineQueueRestartIT {

    private static final int MESSAGES = 200;
    private static final int PAYLOAD_BYTES = 64 * 1024;

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
    void restart_offlineSessionWith200LargeQos1Messages_receivesAllInOrderExactlyAsPublished() throws Exception {
        Mqtt5BlockingClient subscriber = Clients.hive5(broker, "oq-subscriber");
        subscriber.connectWith().sessionExpiryInterval(3600).send();
        subscriber.subscribeWith().topicFilter("oq/#").qos(MqttQos.AT_LEAST_ONCE).send();
        subscriber.disconnect();

        Mqtt5BlockingClient publisher = Clients.hive5(broker, "oq-publisher");
        publisher.connect();
        for (int i = 0; i < MESSAGES; i++) { // each PUBACK means the message is in the subscriber's stored queue
            publisher.publishWith().topic("oq/" + i).qos(MqttQos.AT_LEAST_ONCE).payload(payload(i)).send();
        }
        publisher.disconnect();
        Session offline = broker.broker().sessions().get("oq-subscriber");
        assertThat(offline.pendingCount()).isEqualTo(MESSAGES);
        assertThat(offline.messagesInMemory()).isZero(); // 12.5 MiB queued, all of it in the store

        broker.restart();
        Session restored = broker.broker().sessions().get("oq-subscriber");
        assertThat(restored.pendingCount()).isEqualTo(MESSAGES);
        assertThat(restored.messagesInMemory()).isZero(); // the restart read the counts, not the messages

        Mqtt5BlockingClient back = Clients.hive5(broker, "oq-subscriber");
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = back.publishes(MqttGlobalPublishFilter.ALL)) {
            assertThat(back.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().isSessionPresent())
                    .isTrue();
            for (int i = 0; i < MESSAGES; i++) {
                assertThat(restored.messagesInMemory()).isLessThanOrEqualTo(100 + 64); // window plus one page
                Mqtt5Publish received = Clients.next(publishes);
                assertThat(received.getTopic().toString()).isEqualTo("oq/" + i);
                assertThat(received.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
                assertThat(received.getPayloadAsBytes()).as("payload of message %d", i).isEqualTo(payload(i));
            }
            back.disconnect();
        }

        // acknowledged, so gone: the session is back and holds nothing more
        Mqtt5BlockingClient again = Clients.hive5(broker, "oq-subscriber");
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = again.publishes(MqttGlobalPublishFilter.ALL)) {
            again.connectWith().cleanStart(false).sessionExpiryInterval(3600).send();
            Mqtt5BlockingClient probe = Clients.hive5(broker, "oq-probe");
            probe.connect();
            probe.publishWith().topic("oq/last").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[]{42}).send();
            probe.disconnect();
            assertThat(Clients.next(publishes).getTopic().toString()).isEqualTo("oq/last");
            again.disconnect();
        }
    }

    /** Message {@code i}'s payload: its index, then bytes from a generator seeded with it. */
    private static byte[] payload(int i) {
        byte[] payload = new byte[PAYLOAD_BYTES];
        new Random(i).nextBytes(payload);
        ByteBuffer.wrap(payload).putInt(i);
        return payload;
    }
}
