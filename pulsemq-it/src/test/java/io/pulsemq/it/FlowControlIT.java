package io.pulsemq.it;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.pulsemq.it.RawMqttClient.Connect;
import io.pulsemq.it.RawMqttClient.Packet;
import io.pulsemq.it.RawMqttClient.Props;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import static io.pulsemq.it.Clients.unique;
import static io.pulsemq.it.Clients.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flow control: the client's Receive Maximum bounds what the broker has in flight towards it, the
 * broker's Maximum Packet Size bounds what it accepts, and the client's Maximum Packet Size bounds
 * what the broker sends it.
 */
class FlowControlIT {

    private static final int BROKER_MAX_PACKET = 16 * 1024;
    private static final int QUEUE = 100_000;

    private static BrokerFixture broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = BrokerFixture.start(c -> BrokerFixture.maxQueuedMessages(QUEUE)
                .apply(BrokerFixture.maxPacketSize(BROKER_MAX_PACKET).apply(c)));
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void receiveMaximum_one_neverMoreThanOneUnacknowledgedAndAllArriveInOrder() throws Exception {
        String topic = unique("rm/raw");
        int count = 5;
        Mqtt5BlockingClient pub = Clients.connectedHive5(broker, unique("pub"));
        try (RawMqttClient sub = RawMqttClient.connectAccepted(broker, Connect.v5(unique("raw")).receiveMaximum(1))) {
            sub.subscribe(1, topic, 1);
            for (int i = 0; i < count; i++) {
                // QoS 1 with a blocking client: routed (sent or queued) before send() returns
                pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("m" + i)).send();
            }

            for (int i = 0; i < count; i++) {
                Packet p = sub.read();
                assertThat(p.type()).isEqualTo(RawMqttClient.PUBLISH);
                assertThat(p.payload()).isEqualTo("m" + i);
                // While it is unacknowledged the broker must not send another [MQTT-3.3.4-9]: the PINGRESP
                // answering this PINGREQ comes next, not a PUBLISH.
                sub.pingReq();
                assertThat(sub.read().type()).as("after m" + i).isEqualTo(RawMqttClient.PINGRESP);
                sub.pubAck(p.packetId());
            }
        } finally {
            pub.disconnect();
        }
    }

    @Test
    void receiveMaximum_hiveMqAcknowledgingLate_receivesAllInOrder() throws Exception {
        String topic = unique("rm/hive");
        int count = 10;
        BlockingQueue<Mqtt5Publish> received = new LinkedBlockingQueue<>();
        Mqtt5BlockingClient sub = Clients.hive5(broker, unique("sub"));
        sub.toAsync().publishes(MqttGlobalPublishFilter.ALL, received::add, true);
        sub.connectWith().restrictions().receiveMaximum(1).applyRestrictions().send();
        Mqtt5BlockingClient pub = Clients.connectedHive5(broker, unique("pub"));
        try {
            sub.subscribeWith().topicFilter(topic).qos(MqttQos.EXACTLY_ONCE).send();
            for (int i = 0; i < count; i++) {
                pub.publishWith().topic(topic).qos(i % 2 == 0 ? MqttQos.AT_LEAST_ONCE : MqttQos.EXACTLY_ONCE)
                        .payload(utf8("m" + i)).send();
            }

            for (int i = 0; i < count; i++) {
                Mqtt5Publish p = Clients.poll(received);
                assertThat(p.getPayloadAsBytes()).isEqualTo(utf8("m" + i));
                p.acknowledge();
            }
            // the HiveMQ client disconnects a broker that exceeds its Receive Maximum
            assertThat(sub.getState().isConnected()).isTrue();
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void receiveMaximum_smallWindow_manyPublishersFlooding_eachPublishersMessagesArriveInOrder() throws Exception {
        // Publishers and subscriber land on different event loops: deliveries are handed over from the
        // publishers' loops while PUBACKs on the subscriber's loop release queued ones. Neither may overtake
        // the other [MQTT-4.6.0-5].
        String topic = unique("rm/order");
        int publishers = 3;
        int perPublisher = 5_000; // fewer than QUEUE in all: none is dropped for a full session queue
        BlockingQueue<Mqtt5Publish> received = new LinkedBlockingQueue<>();
        Mqtt5BlockingClient sub = Clients.hive5(broker, unique("sub"));
        sub.toAsync().publishes(MqttGlobalPublishFilter.ALL, received::add);
        sub.connectWith().restrictions().receiveMaximum(5).applyRestrictions().send();
        sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
        List<Mqtt5BlockingClient> pubs = new java.util.ArrayList<>();
        try {
            for (int p = 0; p < publishers; p++) {
                pubs.add(Clients.connectedHive5(broker, unique("pub" + p)));
            }
            for (int i = 0; i < perPublisher; i++) {
                for (int p = 0; p < publishers; p++) {
                    pubs.get(p).toAsync().publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                            .payload(utf8(p + ":" + i)).send();
                }
            }

            int[] next = new int[publishers];
            for (int n = 0; n < publishers * perPublisher; n++) {
                String[] m = new String(Clients.poll(received).getPayloadAsBytes(), java.nio.charset.StandardCharsets.UTF_8)
                        .split(":");
                int p = Integer.parseInt(m[0]);
                assertThat(Integer.parseInt(m[1])).as("next message of publisher " + p).isEqualTo(next[p]);
                next[p]++;
            }
        } finally {
            sub.disconnect();
            pubs.forEach(Mqtt5BlockingClient::disconnect);
        }
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void maxPacketSize_publishLargerThanBrokerAccepts_connectionClosedOthersUnaffected(int level) throws Exception {
        String topic = unique("mps/in");
        Mqtt5BlockingClient sub = Clients.connectedHive5(broker, unique("sub"));
        Mqtt5BlockingClient pub = Clients.connectedHive5(broker, unique("pub"));
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL);
             RawMqttClient offender = RawMqttClient.connectAccepted(broker,
                     level == RawMqttClient.V5 ? Connect.v5(unique("big")) : Connect.v311(unique("big")))) {
            sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();

            offender.send(RawMqttClient.publishPacket(level, topic, new byte[BROKER_MAX_PACKET + 1], 1, 1, Props.none()));

            List<Packet> before = offender.readUntilClosed();
            if (level == RawMqttClient.V5) {
                assertThat(before).isNotEmpty();
                Packet last = before.get(before.size() - 1);
                assertThat(last.type()).isEqualTo(RawMqttClient.DISCONNECT);
                assertThat(last.reasonCode()).isEqualTo(0x95); // Packet too large [MQTT-3.2.2-15]
            } else {
                assertThat(before).as("3.1.1: closed without an answer").isEmpty();
            }
            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("still fine")).send();
            Mqtt5Publish got = Clients.next(in);
            assertThat(got.getPayloadAsBytes()).as("the oversized message was not routed").isEqualTo(utf8("still fine"));
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void maxPacketSize_clientAnnouncesLimit_largerMessageNotSentToItOthersGetIt() throws Exception {
        String topic = unique("mps/out");
        Mqtt5BlockingClient small = Clients.hive5(broker, unique("small"));
        small.connectWith().restrictions().maximumPacketSize(1024).applyRestrictions().send();
        Mqtt5BlockingClient large = Clients.connectedHive5(broker, unique("large"));
        Mqtt5BlockingClient pub = Clients.connectedHive5(broker, unique("pub"));
        byte[] big = new byte[4 * 1024];
        try (Mqtt5BlockingClient.Mqtt5Publishes smallIn = small.publishes(MqttGlobalPublishFilter.ALL);
             Mqtt5BlockingClient.Mqtt5Publishes largeIn = large.publishes(MqttGlobalPublishFilter.ALL)) {
            small.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            large.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();

            for (MqttQos qos : MqttQos.values()) {
                pub.publishWith().topic(topic).qos(qos).payload(big).send();
            }
            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("small")).send();

            // [MQTT-3.1.2-24]: the broker must not send a packet larger than the client's limit
            assertThat(Clients.next(smallIn).getPayloadAsBytes()).isEqualTo(utf8("small"));
            assertThat(small.getState().isConnected()).isTrue();
            for (int i = 0; i < MqttQos.values().length; i++) {
                assertThat(Clients.next(largeIn).getPayloadAsBytes()).isEqualTo(big);
            }
            assertThat(Clients.next(largeIn).getPayloadAsBytes()).isEqualTo(utf8("small"));
        } finally {
            small.disconnect();
            large.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void maxPacketSize_clientLimit_packetOfExactlyThatSizeDeliveredOneByteMoreNot() throws Exception {
        int limit = 1000;
        String topic = unique("mps/exact/" + "x".repeat(10));
        // PUBLISH QoS 0, v5, no properties: 1 byte header + 2 bytes remaining length (>= 128)
        // + 2-byte topic length + topic + 1-byte property length (0) + payload
        int fittingPayload = limit - 1 - 2 - 2 - topic.length() - 1;
        Mqtt5BlockingClient pub = Clients.connectedHive5(broker, unique("pub"));
        try (RawMqttClient sub = RawMqttClient.connectAccepted(broker, Connect.v5(unique("raw")).maximumPacketSize(limit))) {
            sub.subscribe(1, topic, 0);

            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(new byte[fittingPayload + 1]).send();
            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(new byte[fittingPayload]).send();

            Packet p = sub.read();
            assertThat(p.type()).isEqualTo(RawMqttClient.PUBLISH);
            assertThat(1 + 2 + p.body().length).as("packet size").isEqualTo(limit);
            assertThat(p.payloadBytes()).hasSize(fittingPayload);
        } finally {
            pub.disconnect();
        }
    }

    @Test
    void maxPacketSize_brokerLimit_packetOfExactlyThatSizeAcceptedOneByteMoreRefused() throws Exception {
        String topic = unique("mps/edge");
        // PUBLISH QoS 1, v5, no properties: 1 byte header + 2 bytes remaining length, then 2 + topic
        // + 2 packet ID + 1 property length (0) + payload. The limit counts the whole packet.
        int remaining = BROKER_MAX_PACKET - 1 - 2;
        int fittingPayload = remaining - 2 - topic.length() - 2 - 1;
        try (RawMqttClient client = RawMqttClient.connectAccepted(broker, Connect.v5(unique("edge")))) {
            byte[] exact = RawMqttClient.publishPacket(RawMqttClient.V5, topic, new byte[fittingPayload], 1, 1, Props.none());
            assertThat(exact).hasSize(BROKER_MAX_PACKET);
            client.send(exact);
            assertThat(client.read().type()).isEqualTo(RawMqttClient.PUBACK);

            byte[] oneMore = RawMqttClient.publishPacket(RawMqttClient.V5, topic, new byte[fittingPayload + 1], 1, 2,
                    Props.none());
            assertThat(oneMore).hasSize(BROKER_MAX_PACKET + 1);
            client.send(oneMore);
            List<Packet> before = client.readUntilClosed();
            assertThat(before).isNotEmpty();
            Packet last = before.get(before.size() - 1);
            assertThat(last.type()).isEqualTo(RawMqttClient.DISCONNECT);
            assertThat(last.reasonCode()).isEqualTo(0x95);
        }
    }
}
