package io.pulsemq.it;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;
import io.pulsemq.it.AnyClient.Kind;
import io.pulsemq.it.AnyClient.Received;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Set;

import static io.pulsemq.it.Clients.unique;
import static io.pulsemq.it.Clients.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retained messages: sent on subscribe with RETAIN set, replaced, cleared by an empty payload, and the
 * RETAIN flag on live forwarding (0, or as published with v5 Retain As Published); v5 Retain Handling.
 */
class RetainedIT {

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
    void retained_newSubscription_receivesItWithRetainSet(Kind kind) throws Exception {
        String topic = unique("ret/on-sub");
        try (AnyClient pub = kind.connect(broker, unique("pub"))) {
            pub.publish(topic, 2, true, utf8("kept"));
            try (AnyClient sub = kind.connect(broker, unique("sub"))) {
                sub.subscribe(topic, 1);

                Received got = sub.next();
                assertThat(got.topic()).isEqualTo(topic);
                assertThat(got.text()).isEqualTo("kept");
                assertThat(got.retain()).isTrue(); // [MQTT-3.3.1-8]
                assertThat(got.qos()).as("at the subscription's QoS").isEqualTo(1);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void retained_publishedAgain_replacesEarlierOne(Kind kind) throws Exception {
        String topic = unique("ret/replace");
        try (AnyClient pub = kind.connect(broker, unique("pub"))) {
            pub.publish(topic, 1, true, utf8("old"));
            pub.publish(topic, 1, true, utf8("new"));
            try (AnyClient sub = kind.connect(broker, unique("sub"))) {
                sub.subscribe(topic, 1);
                pub.publish(topic, 1, false, utf8("marker"));

                assertThat(sub.next().text()).isEqualTo("new");
                assertThat(sub.next().text()).isEqualTo("marker");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void retained_emptyPayload_clearsRetainedMessage(Kind kind) throws Exception {
        String topic = unique("ret/clear");
        try (AnyClient pub = kind.connect(broker, unique("pub"))) {
            pub.publish(topic, 1, true, utf8("soon gone"));
            pub.publish(topic, 1, true, new byte[0]); // [MQTT-3.3.1-10], [MQTT-3.3.1-11]
            try (AnyClient sub = kind.connect(broker, unique("sub"))) {
                sub.subscribe(topic, 1);
                pub.publish(topic, 1, false, utf8("marker"));

                assertThat(sub.next().text()).isEqualTo("marker");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void retained_forwardedToEstablishedSubscription_retainFlagCleared(Kind kind) throws Exception {
        String topic = unique("ret/live");
        try (AnyClient sub = kind.connect(broker, unique("sub"));
             AnyClient pub = kind.connect(broker, unique("pub"))) {
            sub.subscribe(topic, 1);

            pub.publish(topic, 1, true, utf8("live"));

            Received got = sub.next();
            assertThat(got.text()).isEqualTo("live");
            // [MQTT-3.3.1-9] (3.1.1); v5 [MQTT-3.3.1-12] without Retain As Published
            assertThat(got.retain()).isFalse();
        }
    }

    @Test
    void retained_retainAsPublished_keepsFlagOnLiveForwarding() throws Exception {
        String topic = unique("ret/rap");
        Mqtt5BlockingClient rap = Clients.connectedHive5(broker, unique("rap"));
        Mqtt5BlockingClient plain = Clients.connectedHive5(broker, unique("plain"));
        Mqtt5BlockingClient pub = Clients.connectedHive5(broker, unique("pub"));
        try (Mqtt5BlockingClient.Mqtt5Publishes rapIn = rap.publishes(MqttGlobalPublishFilter.ALL);
             Mqtt5BlockingClient.Mqtt5Publishes plainIn = plain.publishes(MqttGlobalPublishFilter.ALL)) {
            rap.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).retainAsPublished(true).send();
            plain.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).retainAsPublished(false).send();

            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(utf8("r")).send();
            pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(false).payload(utf8("n")).send();

            // [MQTT-3.3.1-13]
            assertThat(Clients.next(rapIn).isRetain()).isTrue();
            assertThat(Clients.next(rapIn).isRetain()).isFalse();
            assertThat(Clients.next(plainIn).isRetain()).isFalse();
            assertThat(Clients.next(plainIn).isRetain()).isFalse();
        } finally {
            rap.disconnect();
            plain.disconnect();
            pub.disconnect();
        }
    }

    @Test
    void retained_wildcardSubscription_receivesEveryMatchingRetainedMessage() throws Exception {
        String root = unique("ret/wild");
        try (AnyClient pub = Kind.HIVEMQ_V5.connect(broker, unique("pub"))) {
            for (String t : List.of(root, root + "/a", root + "/a/b", root + "x/a")) {
                pub.publish(t, 1, true, utf8(t));
            }
            try (AnyClient sub = Kind.PAHO_V311.connect(broker, unique("sub"))) {
                sub.subscribe(root + "/#", 1);
                pub.publish(root + "/marker", 1, false, utf8("marker"));

                Set<String> retained = Set.of(sub.next().topic(), sub.next().topic(), sub.next().topic());
                assertThat(retained).containsExactlyInAnyOrder(root, root + "/a", root + "/a/b");
                assertThat(sub.next().text()).isEqualTo("marker");
            }
        }
    }

    @Test
    void retainHandling_sendOnSubscribe_sentOnEverySubscribe() throws Exception {
        String topic = unique("rh0/t");
        Mqtt5BlockingClient sub = withRetained(topic);
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter(topic).retainHandling(Mqtt5RetainHandling.SEND).send();
            assertRetained(Clients.next(in));

            sub.subscribeWith().topicFilter(topic).retainHandling(Mqtt5RetainHandling.SEND).send();
            assertRetained(Clients.next(in));
        } finally {
            sub.disconnect();
        }
    }

    @Test
    void retainHandling_sendIfNew_sentOnlyForNewSubscription() throws Exception {
        String topic = unique("rh1/t");
        Mqtt5BlockingClient sub = withRetained(topic);
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter(topic)
                    .retainHandling(Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST).send();
            assertRetained(Clients.next(in));

            sub.subscribeWith().topicFilter(topic)
                    .retainHandling(Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST).send();
            sub.publishWith().topic(topic).payload(utf8("marker")).send();

            assertThat(Clients.next(in).getPayloadAsBytes()).isEqualTo(utf8("marker"));
        } finally {
            sub.disconnect();
        }
    }

    @Test
    void retainHandling_doNotSend_neverSent() throws Exception {
        String topic = unique("rh2/t");
        Mqtt5BlockingClient sub = withRetained(topic);
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter(topic).retainHandling(Mqtt5RetainHandling.DO_NOT_SEND).send();
            sub.publishWith().topic(topic).payload(utf8("marker")).send();

            assertThat(Clients.next(in).getPayloadAsBytes()).isEqualTo(utf8("marker"));
        } finally {
            sub.disconnect();
        }
    }

    /** A connected v5 client, after another client left a retained message on {@code topic}. */
    private static Mqtt5BlockingClient withRetained(String topic) {
        Mqtt5BlockingClient pub = Clients.connectedHive5(broker, unique("pub"));
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(utf8("retained")).send();
        pub.disconnect();
        return Clients.connectedHive5(broker, unique("sub"));
    }

    private static void assertRetained(Mqtt5Publish p) {
        assertThat(p.getPayloadAsBytes()).isEqualTo(utf8("retained"));
        assertThat(p.isRetain()).isTrue();
    }
}
