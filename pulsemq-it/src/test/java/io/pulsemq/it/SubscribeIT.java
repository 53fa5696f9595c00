package io.pulsemq.it;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.unsuback.Mqtt5UnsubAck;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.unsuback.Mqtt5UnsubAckReasonCode;
import io.pulsemq.it.AnyClient.Kind;
import io.pulsemq.it.RawMqttClient.Connect;
import io.pulsemq.it.RawMqttClient.Packet;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static io.pulsemq.it.Clients.unique;
import static io.pulsemq.it.Clients.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SUBSCRIBE and UNSUBSCRIBE: wildcard matching (including the {@code $}-topic rule), overlapping
 * subscriptions, No Local, UNSUBACK reason codes and the answer to a filter the broker cannot accept.
 * Negatives are proven by a later marker message on the same path arriving first.
 */
class SubscribeIT {

    private static BrokerFixture broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = BrokerFixture.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void subscribe_singleLevelWildcard_matchesExactlyOneLevel(Kind kind) throws Exception {
        String root = unique("plus");
        try (AnyClient sub = kind.connect(broker, unique("sub"));
             AnyClient pub = kind.connect(broker, unique("pub"))) {
            sub.subscribe(root + "/+/t", 1);

            for (String topic : List.of(root + "/t", root + "/x/y", root + "/x/t/z", root + "/x/t", root + "//t")) {
                pub.publish(topic, 1, false, utf8(topic));
            }

            assertThat(sub.next().topic()).isEqualTo(root + "/x/t");
            assertThat(sub.next().topic()).isEqualTo(root + "//t"); // an empty level is a level
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void subscribe_multiLevelWildcard_matchesParentAndAllDescendants(Kind kind) throws Exception {
        String root = unique("hash");
        try (AnyClient sub = kind.connect(broker, unique("sub"));
             AnyClient pub = kind.connect(broker, unique("pub"))) {
            sub.subscribe(root + "/a/#", 1);

            for (String topic : List.of(root + "/ab", root + "/a", root + "/b/a", root + "/a/b", root + "/a/b/c")) {
                pub.publish(topic, 1, false, utf8(topic));
            }

            // [MQTT-4.7.1-2]: "a/#" matches "a" itself
            assertThat(sub.next().topic()).isEqualTo(root + "/a");
            assertThat(sub.next().topic()).isEqualTo(root + "/a/b");
            assertThat(sub.next().topic()).isEqualTo(root + "/a/b/c");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void subscribe_wildcardAtFirstLevel_doesNotMatchDollarTopics(Kind kind) throws Exception {
        String dollarTopic = "$" + unique("ctl") + "/x";
        String marker = unique("plain") + "/x";
        try (AnyClient all = kind.connect(broker, unique("all"));
             AnyClient plusFirst = kind.connect(broker, unique("plus"));
             AnyClient explicit = kind.connect(broker, unique("explicit"));
             AnyClient pub = kind.connect(broker, unique("pub"))) {
            all.subscribe("#", 1);
            plusFirst.subscribe("+/x", 1);
            explicit.subscribe(dollarTopic, 1);

            pub.publish(dollarTopic, 1, false, utf8("dollar"));
            pub.publish(marker, 1, false, utf8("marker"));

            // [MQTT-4.7.2-1]
            assertThat(all.next().topic()).isEqualTo(marker);
            assertThat(plusFirst.next().topic()).isEqualTo(marker);
            assertThat(explicit.next().topic()).isEqualTo(dollarTopic);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"HIVEMQ_V311", "HIVEMQ_V5"})
    void subscribe_wildcardAtFirstLevel_doesNotReceiveRetainedDollarTopics(Kind kind) throws Exception {
        String dollarTopic = "$" + unique("ret-ctl") + "/x";
        try (AnyClient pub = kind.connect(broker, unique("pub"))) {
            pub.publish(dollarTopic, 1, true, utf8("retained dollar"));
            try (AnyClient all = kind.connect(broker, unique("all"));
                 AnyClient plusFirst = kind.connect(broker, unique("plus"));
                 AnyClient explicit = kind.connect(broker, unique("explicit"))) {
                all.subscribe("#", 1);
                plusFirst.subscribe("+/x", 1);
                explicit.subscribe(dollarTopic, 1);
                String marker = unique("plain") + "/x";
                pub.publish(marker, 1, false, utf8("marker"));

                assertThat(explicit.next().topic()).isEqualTo(dollarTopic);
                assertThat(all.next().topic()).isEqualTo(marker); // [MQTT-4.7.2-1]
                assertThat(plusFirst.next().topic()).isEqualTo(marker);
            }
            pub.publish(dollarTopic, 1, true, new byte[0]);
        }
    }

    @Test
    void subscribe_overlappingFilters_deliversOnceWithAllIds() throws Exception {
        String root = unique("overlap");
        try (Clients.Paho5 sub = Clients.connectedPaho5(broker.tcpUri(), unique("sub"));
             AnyClient pub = Kind.HIVEMQ_V5.connect(broker, unique("pub"))) {
            subscribeWithId(sub, root + "/+/c", 0, 1);
            subscribeWithId(sub, root + "/#", 2, 2);
            subscribeWithId(sub, root + "/b/c", 1, 3);

            // both at QoS 2, so Paho (which hands QoS 2 over on PUBREL) keeps them in order
            pub.publish(root + "/b/c", 2, false, utf8("overlapping"));
            pub.publish(root + "/marker", 2, false, utf8("marker"));

            Clients.Arrived<org.eclipse.paho.mqttv5.common.MqttMessage> first = sub.inbox().nextArrived();
            assertThat(first.topic()).isEqualTo(root + "/b/c");
            // [MQTT-3.3.4-2]: once, at the highest QoS granted; [MQTT-3.3.4-3]: with every matching identifier
            assertThat(first.message().getQos()).isEqualTo(2);
            assertThat(first.message().getProperties().getSubscriptionIdentifiers()).containsExactlyInAnyOrder(1, 2, 3);
            Clients.Arrived<org.eclipse.paho.mqttv5.common.MqttMessage> second = sub.inbox().nextArrived();
            assertThat(second.topic()).as("the overlapping message came once").isEqualTo(root + "/marker");
            assertThat(second.message().getProperties().getSubscriptionIdentifiers()).containsExactly(2);
        }
    }

    @Test
    void subscribe_noLocal_ownMessagesNotDeliveredOthersAre() throws Exception {
        String topic = unique("nolocal/t");
        Mqtt5BlockingClient self = Clients.connectedHive5(broker, unique("self"));
        Mqtt5BlockingClient local = Clients.connectedHive5(broker, unique("local"));
        Mqtt5BlockingClient other = Clients.connectedHive5(broker, unique("other"));
        try (Mqtt5BlockingClient.Mqtt5Publishes selfIn = self.publishes(MqttGlobalPublishFilter.ALL);
             Mqtt5BlockingClient.Mqtt5Publishes localIn = local.publishes(MqttGlobalPublishFilter.ALL)) {
            self.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).noLocal(true).send();
            local.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).noLocal(false).send();

            self.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("own")).send();
            local.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("local-own")).send();
            other.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("other")).send();

            // MQTT orders messages per publisher only, so compare sets. Had "own" been delivered to self, it
            // would be among its first two: it was routed before the other two were published.
            // [MQTT-3.8.3-3]
            assertThat(List.of(text(Clients.next(selfIn).getPayloadAsBytes()), text(Clients.next(selfIn).getPayloadAsBytes())))
                    .containsExactlyInAnyOrder("local-own", "other");
            assertThat(List.of(text(Clients.next(localIn).getPayloadAsBytes()), text(Clients.next(localIn).getPayloadAsBytes())))
                    .as("without No Local, own messages come back").containsExactlyInAnyOrder("own", "local-own");
        } finally {
            self.disconnect();
            local.disconnect();
            other.disconnect();
        }
    }

    @Test
    void unsubscribe_v5_reasonCodesSayWhatExistedAndDeliveryStops() throws Exception {
        String root = unique("unsub5");
        Mqtt5BlockingClient sub = Clients.connectedHive5(broker, unique("sub"));
        Mqtt5BlockingClient pub = Clients.connectedHive5(broker, unique("pub"));
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter(root + "/a").qos(MqttQos.AT_LEAST_ONCE).send();
            sub.subscribeWith().topicFilter(root + "/b").qos(MqttQos.AT_LEAST_ONCE).send();

            Mqtt5UnsubAck ack = sub.unsubscribeWith().topicFilter(root + "/a").addTopicFilter(root + "/never").send();

            assertThat(ack.getReasonCodes()).containsExactly(Mqtt5UnsubAckReasonCode.SUCCESS,
                    Mqtt5UnsubAckReasonCode.NO_SUBSCRIPTIONS_EXISTED);
            pub.publishWith().topic(root + "/a").qos(MqttQos.AT_LEAST_ONCE).payload(utf8("a")).send();
            pub.publishWith().topic(root + "/b").qos(MqttQos.AT_LEAST_ONCE).payload(utf8("b")).send();
            assertThat(Clients.next(in).getTopic().toString()).isEqualTo(root + "/b");
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"HIVEMQ_V311", "PAHO_V311", "PAHO_V5"})
    void unsubscribe_otherClients_deliveryStops(Kind kind) throws Exception {
        String root = unique("unsub");
        try (AnyClient sub = kind.connect(broker, unique("sub"));
             AnyClient pub = kind.connect(broker, unique("pub"))) {
            sub.subscribe(root + "/a", 1);
            sub.subscribe(root + "/b", 1);
            sub.unsubscribe(root + "/a");

            pub.publish(root + "/a", 1, false, utf8("a"));
            pub.publish(root + "/b", 1, false, utf8("b"));

            assertThat(sub.next().topic()).isEqualTo(root + "/b");
        }
    }

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void subscribe_malformedFilter_failureCodeAndConnectionStaysUsable(int level) throws Exception {
        boolean v5 = level == RawMqttClient.V5;
        try (RawMqttClient raw = RawMqttClient.connectAccepted(broker,
                v5 ? Connect.v5(unique("raw")) : Connect.v311(unique("raw")))) {
            int id = 1;
            for (String filter : List.of("a/#/b", "a/b#", "a+/b")) {
                raw.send(RawMqttClient.subscribePacket(level, id, filter, 1));
                Packet ack = raw.read();
                assertThat(ack.type()).isEqualTo(RawMqttClient.SUBACK);
                assertThat(ack.packetId()).isEqualTo(id);
                // v5: 0x8F Topic Filter invalid; 3.1.1: 0x80 Failure
                assertThat(ack.subAckCode()).as(filter).isEqualTo(v5 ? 0x8F : 0x80);
                id++;
            }
            raw.send(RawMqttClient.subscribePacket(level, id, "valid/+", 1));
            assertThat(raw.read().subAckCode()).isEqualTo(1);
        }
    }

    @Test
    void subscribe_filterDeeperThanBrokerAllows_hiveMqSeesTopicFilterInvalid() {
        StringBuilder deep = new StringBuilder(unique("deep"));
        for (int i = 0; i < broker.config().mqtt().maxTopicLevels(); i++) {
            deep.append("/l");
        }
        Mqtt5BlockingClient client = Clients.connectedHive5(broker, unique("deep"));
        try {
            assertThatThrownBy(() -> client.subscribeWith().topicFilter(deep.toString()).send())
                    .isInstanceOfSatisfying(Mqtt5SubAckException.class, e -> assertThat(e.getMqttMessage().getReasonCodes())
                            .containsExactly(Mqtt5SubAckReasonCode.TOPIC_FILTER_INVALID));
            assertThat(client.getState().isConnected()).isTrue();
        } finally {
            client.disconnect();
        }
    }

    private static void subscribeWithId(Clients.Paho5 client, String filter, int qos, int subscriptionId)
            throws Exception {
        MqttProperties props = new MqttProperties();
        props.setSubscriptionIdentifier(subscriptionId);
        Clients.await(client.client().subscribe(new MqttSubscription[] {new MqttSubscription(filter, qos)}, null, null,
                props));
    }

    private static String text(byte[] b) {
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }
}
