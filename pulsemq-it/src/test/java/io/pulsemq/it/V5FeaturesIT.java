package io.pulsemq.it;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.pulsemq.it.RawMqttClient.Connect;
import io.pulsemq.it.RawMqttClient.Packet;
import io.pulsemq.it.RawMqttClient.Props;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

import static io.pulsemq.it.Clients.unique;
import static io.pulsemq.it.Clients.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * MQTT 5 features: topic aliases in both directions, message expiry (queued messages that expire
 * are dropped, the remaining interval is forwarded), and the application properties a publisher
 * sets reaching subscribers unchanged. Broker time is an {@link AdjustableClock}, so expiry happens
 * without waiting.
 */
class V5FeaturesIT {

    private static final AdjustableClock CLOCK = new AdjustableClock();
    private static BrokerFixture broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = BrokerFixture.start(UnaryOperator.identity(), io.pulsemq.broker.session.LifecycleListener.NONE, CLOCK);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    // ---- topic aliases -------------------------------------------------------------------------

    @Test
    void topicAlias_clientSetsThenUsesAlias_brokerRoutesToAliasedTopic() throws Exception {
        String t1 = unique("alias-in/one");
        String t2 = unique("alias-in/two");
        Mqtt5BlockingClient sub = Clients.connectedHive5(broker, unique("sub"));
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL);
             RawMqttClient pub = RawMqttClient.connectAccepted(broker, Connect.v5(unique("raw")))) {
            sub.subscribeWith().topicFilter(t1).qos(MqttQos.AT_LEAST_ONCE).send();
            sub.subscribeWith().topicFilter(t2).qos(MqttQos.AT_LEAST_ONCE).send();

            publishAcked(pub, t1, 1, 1, "a");       // sets alias 1 -> t1
            publishAcked(pub, "", 1, 2, "b");       // uses it [MQTT-3.3.2-12]
            publishAcked(pub, t2, 1, 3, "c");       // remaps alias 1 -> t2
            publishAcked(pub, "", 1, 4, "d");

            for (String[] expected : List.of(new String[] {t1, "a"}, new String[] {t1, "b"},
                    new String[] {t2, "c"}, new String[] {t2, "d"})) {
                Mqtt5Publish p = Clients.next(in);
                assertThat(p.getTopic().toString()).isEqualTo(expected[0]);
                assertThat(p.getPayloadAsBytes()).isEqualTo(utf8(expected[1]));
            }
        } finally {
            sub.disconnect();
        }
    }

    @Test
    void topicAlias_aboveBrokerMaximum_disconnectedWithTopicAliasInvalid() throws Exception {
        int tooHigh = broker.config().mqtt().topicAliasMaximum() + 1;
        try (RawMqttClient pub = RawMqttClient.connectAccepted(broker, Connect.v5(unique("raw")))) {
            pub.send(RawMqttClient.publishPacket(RawMqttClient.V5, unique("alias/t"), utf8("x"), 1, 1,
                    Props.none().u16(RawMqttClient.TOPIC_ALIAS, tooHigh)));

            List<Packet> before = pub.readUntilClosed();
            assertThat(before).isNotEmpty();
            Packet last = before.get(before.size() - 1);
            assertThat(last.type()).isEqualTo(RawMqttClient.DISCONNECT);
            assertThat(last.reasonCode()).isEqualTo(0x94); // [MQTT-3.3.2-9]
        }
    }

    @Test
    void topicAlias_clientAnnouncesMaximum_brokerSendsAliasOnRepeatedTopic() throws Exception {
        String topic = unique("alias-out/t");
        Mqtt5BlockingClient pub = Clients.connectedHive5(broker, unique("pub"));
        try (RawMqttClient sub = RawMqttClient.connectAccepted(broker, Connect.v5(unique("raw")).topicAliasMaximum(2))) {
            sub.subscribe(1, topic, 0);

            pub.publishWith().topic(topic).payload(utf8("first")).send();
            pub.publishWith().topic(topic).payload(utf8("second")).send();

            Packet first = sub.read();
            Packet second = sub.read();
            assertThat(first.topic()).isEqualTo(topic);
            Object alias = first.property(RawMqttClient.TOPIC_ALIAS);
            assertThat(alias).isNotNull();
            assertThat((Integer) alias).isBetween(1, 2); // [MQTT-3.3.2-8]
            assertThat(second.topic()).as("only the alias names the topic").isEmpty();
            assertThat(second.property(RawMqttClient.TOPIC_ALIAS)).isEqualTo(alias);
            assertThat(second.payload()).isEqualTo("second");
        } finally {
            pub.disconnect();
        }
    }

    @Test
    void topicAlias_clientWithoutMaximum_neverReceivesAlias() throws Exception {
        String topic = unique("alias-none/t");
        Mqtt5BlockingClient pub = Clients.connectedHive5(broker, unique("pub"));
        try (RawMqttClient sub = RawMqttClient.connectAccepted(broker, Connect.v5(unique("raw")))) {
            sub.subscribe(1, topic, 0);

            pub.publishWith().topic(topic).payload(utf8("1")).send();
            pub.publishWith().topic(topic).payload(utf8("2")).send();

            for (int i = 0; i < 2; i++) {
                Packet p = sub.read();
                assertThat(p.topic()).isEqualTo(topic); // [MQTT-3.3.2-7]
                assertThat(p.property(RawMqttClient.TOPIC_ALIAS)).isNull();
            }
        } finally {
            pub.disconnect();
        }
    }

    /**
     * With fewer aliases than topics, the broker must reuse or skip aliases correctly. HiveMQ only:
     * Paho's v5 client 1.2.5 does not resolve incoming aliases (eclipse-paho/paho.mqtt.java#866).
     */
    @Test
    void topicAlias_hiveMqWithFewerAliasesThanTopics_receivesEveryTopicCorrectly() throws Exception {
        String root = unique("alias-lib");
        List<String> topics = List.of(root + "/a", root + "/b", root + "/c");
        Mqtt5BlockingClient sub = Clients.hive5(broker, unique("hive"));
        sub.connectWith().restrictions().topicAliasMaximum(2).applyRestrictions().send();
        Mqtt5BlockingClient pub = Clients.connectedHive5(broker, unique("pub"));
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter(root + "/#").send();

            for (int round = 0; round < 3; round++) {
                for (String t : topics) {
                    pub.publishWith().topic(t).payload(utf8(t)).send();
                }
            }

            for (int round = 0; round < 3; round++) {
                for (String t : topics) {
                    Mqtt5Publish p = Clients.next(in);
                    assertThat(p.getTopic().toString()).isEqualTo(t);
                    assertThat(p.getPayloadAsBytes()).isEqualTo(utf8(t));
                }
            }
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }

    // ---- message expiry ------------------------------------------------------------------------

    @Test
    void messageExpiry_expiresWhileQueuedForOfflineSession_notDeliveredOthersKeepRemainingInterval() throws Exception {
        String topic = unique("expiry/queued");
        String subId = unique("offline-sub");
        Mqtt5BlockingClient sub = Clients.hive5(broker, subId);
        sub.connectWith().cleanStart(true).sessionExpiryInterval(600).send();
        sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();
        Mqtt5BlockingClient pub = Clients.connectedHive5(broker, unique("pub"));

        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("short")).messageExpiryInterval(10).send();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("long")).messageExpiryInterval(3600).send();
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(utf8("forever")).send();
        CLOCK.advance(Duration.ofSeconds(60));

        Mqtt5BlockingClient back = Clients.hive5(broker, subId);
        try (Mqtt5BlockingClient.Mqtt5Publishes in = back.publishes(MqttGlobalPublishFilter.ALL)) {
            assertThat(back.connectWith().cleanStart(false).sessionExpiryInterval(600).send().isSessionPresent()).isTrue();

            Mqtt5Publish first = Clients.next(in);
            assertThat(first.getPayloadAsBytes()).as("the expired message is not delivered [MQTT-3.3.2-5]")
                    .isEqualTo(utf8("long"));
            // [MQTT-3.3.2-6]: the interval sent is what remains: at most 3600 - 60
            assertThat(first.getMessageExpiryInterval()).isPresent();
            assertThat(first.getMessageExpiryInterval().getAsLong()).isPositive().isLessThanOrEqualTo(3540);
            Mqtt5Publish second = Clients.next(in);
            assertThat(second.getPayloadAsBytes()).isEqualTo(utf8("forever"));
            assertThat(second.getMessageExpiryInterval()).isEmpty();
        } finally {
            back.disconnectWith().sessionExpiryInterval(0).send();
            pub.disconnect();
        }
    }

    @Test
    void messageExpiry_retainedMessageExpired_notSentToNewSubscriber() throws Exception {
        String root = unique("expiry/retained");
        Mqtt5BlockingClient pub = Clients.connectedHive5(broker, unique("pub"));
        // QoS 1: the broker has stored them when send() returns, before the clock moves
        pub.publishWith().topic(root + "/a").qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(utf8("expires"))
                .messageExpiryInterval(5).send();
        pub.publishWith().topic(root + "/b").qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(utf8("stays"))
                .messageExpiryInterval(3600).send();
        CLOCK.advance(Duration.ofSeconds(30));

        Mqtt5BlockingClient sub = Clients.connectedHive5(broker, unique("sub"));
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter(root + "/#").send();
            pub.publishWith().topic(root + "/marker").payload(utf8("marker")).send();

            Mqtt5Publish first = Clients.next(in);
            assertThat(first.getPayloadAsBytes()).isEqualTo(utf8("stays"));
            assertThat(first.getMessageExpiryInterval().getAsLong()).isPositive().isLessThanOrEqualTo(3570);
            assertThat(Clients.next(in).getPayloadAsBytes()).isEqualTo(utf8("marker"));
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }

    // ---- application properties ----------------------------------------------------------------

    @Test
    void properties_hiveMqToHiveMqAndPaho_passedThroughUnchanged() throws Exception {
        String topic = unique("props/hive");
        byte[] correlation = {0, 1, 2, (byte) 0xFF, 42};
        Mqtt5BlockingClient hiveSub = Clients.connectedHive5(broker, unique("hsub"));
        Mqtt5BlockingClient pub = Clients.connectedHive5(broker, unique("pub"));
        try (Mqtt5BlockingClient.Mqtt5Publishes in = hiveSub.publishes(MqttGlobalPublishFilter.ALL);
             Clients.Paho5 pahoSub = Clients.connectedPaho5(broker.tcpUri(), unique("psub"));
             Clients.Paho3 v3Sub = Clients.connectedPaho3(broker.tcpUri(), unique("v3sub"), MqttConnectOptions.MQTT_VERSION_3_1_1)) {
            hiveSub.subscribeWith().topicFilter(topic).qos(MqttQos.EXACTLY_ONCE).send();
            Clients.await(pahoSub.client().subscribe(topic, 2));
            v3Sub.client().subscribe(topic, 2);

            pub.publishWith().topic(topic).qos(MqttQos.EXACTLY_ONCE).payload(utf8("{\"a\":1}"))
                    .responseTopic("reply/" + topic).correlationData(correlation).contentType("application/json")
                    .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8).messageExpiryInterval(3600)
                    .userProperties().add("k", "v1").add("k", "v2").add("trace", "t-1").applyUserProperties()
                    .send();

            Mqtt5Publish h = Clients.next(in);
            assertThat(h.getResponseTopic().map(Object::toString)).hasValue("reply/" + topic);
            assertThat(h.getCorrelationData().map(V5FeaturesIT::bytes)).hasValue(correlation);
            assertThat(h.getContentType().map(Object::toString)).hasValue("application/json");
            assertThat(h.getPayloadFormatIndicator()).hasValue(Mqtt5PayloadFormatIndicator.UTF_8);
            assertThat(h.getMessageExpiryInterval().getAsLong()).isPositive().isLessThanOrEqualTo(3600);
            // [MQTT-3.3.2-17], [MQTT-3.3.2-18]: all user properties, in order
            assertThat(h.getUserProperties().asList()).extracting(p -> p.getName() + "=" + p.getValue())
                    .containsExactly("k=v1", "k=v2", "trace=t-1");

            MqttProperties p = pahoSub.inbox().nextArrived().message().getProperties();
            assertThat(p.getResponseTopic()).isEqualTo("reply/" + topic);
            assertThat(p.getCorrelationData()).isEqualTo(correlation);
            assertThat(p.getContentType()).isEqualTo("application/json");
            assertThat(p.getPayloadFormat()).isTrue();
            assertThat(p.getUserProperties()).extracting(u -> u.getKey() + "=" + u.getValue())
                    .containsExactly("k=v1", "k=v2", "trace=t-1");

            assertThat(v3Sub.inbox().next().payload()).as("a 3.1.1 subscriber gets the payload alone")
                    .isEqualTo("{\"a\":1}");
        } finally {
            hiveSub.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void properties_pahoToHiveMq_requestResponseRoundTrip() throws Exception {
        String requests = unique("props/req");
        Mqtt5BlockingClient responder = Clients.connectedHive5(broker, unique("responder"));
        try (Mqtt5BlockingClient.Mqtt5Publishes in = responder.publishes(MqttGlobalPublishFilter.ALL);
             Clients.Paho5 requester = Clients.connectedPaho5(broker.tcpUri(), unique("requester"))) {
            responder.subscribeWith().topicFilter(requests).qos(MqttQos.AT_LEAST_ONCE).send();
            String replyTo = unique("props/reply");
            Clients.await(requester.client().subscribe(replyTo, 1));

            MqttMessage request = new MqttMessage(utf8("ping"), 1, false, new MqttProperties());
            request.getProperties().setResponseTopic(replyTo);
            request.getProperties().setCorrelationData(utf8("corr-7"));
            request.getProperties().setContentType("text/plain");
            request.getProperties().setUserProperties(List.of(new UserProperty("from", "paho")));
            Clients.await(requester.client().publish(requests, request));

            Mqtt5Publish got = Clients.next(in);
            assertThat(got.getContentType().map(Object::toString)).hasValue("text/plain");
            assertThat(got.getUserProperties().asList()).extracting(u -> u.getName() + "=" + u.getValue())
                    .containsExactly("from=paho");
            responder.publishWith().topic(got.getResponseTopic().orElseThrow()).qos(MqttQos.AT_LEAST_ONCE)
                    .correlationData(got.getCorrelationData().orElseThrow()).payload(utf8("pong")).send();

            Clients.Arrived<MqttMessage> reply = requester.inbox().nextArrived();
            assertThat(reply.message().getPayload()).isEqualTo(utf8("pong"));
            assertThat(reply.message().getProperties().getCorrelationData()).isEqualTo(utf8("corr-7"));
        } finally {
            responder.disconnect();
        }
    }

    private static void publishAcked(RawMqttClient c, String topic, int alias, int packetId, String text)
            throws Exception {
        c.send(RawMqttClient.publishPacket(RawMqttClient.V5, topic, utf8(text), 1, packetId,
                Props.none().u16(RawMqttClient.TOPIC_ALIAS, alias)));
        Packet ack = c.read();
        assertThat(ack.type()).isEqualTo(RawMqttClient.PUBACK);
        assertThat(ack.packetId()).isEqualTo(packetId);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
