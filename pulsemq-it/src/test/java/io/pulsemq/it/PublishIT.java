package io.pulsemq.it;

import io.pulsemq.it.AnyClient.Kind;
import io.pulsemq.it.AnyClient.Received;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.pulsemq.it.Clients.unique;
import static io.pulsemq.it.Clients.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * PUBLISH at QoS 0, 1 and 2 from client to broker to client, with MQTT 3.1.1 and 5.0 clients of both
 * libraries: payload and topic intact, QoS as granted, order kept, across versions.
 */
class PublishIT {

    private static BrokerFixture broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = BrokerFixture.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    static Stream<Arguments> kindsAndQos() {
        List<Arguments> cases = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            for (int qos = 0; qos <= 2; qos++) {
                cases.add(Arguments.of(kind, qos));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} QoS {1}")
    @MethodSource("kindsAndQos")
    void publish_atQos_deliveredAtThatQosWithPayloadIntact(Kind kind, int qos) throws Exception {
        String topic = unique("pub/" + kind + "/q" + qos);
        byte[] payload = binaryPayload(20_000);
        try (AnyClient sub = kind.connect(broker, unique("sub"));
             AnyClient pub = kind.connect(broker, unique("pub"))) {
            sub.subscribe(topic, 2);

            pub.publish(topic, qos, false, payload);

            Received got = sub.next();
            assertThat(got.topic()).isEqualTo(topic);
            assertThat(got.qos()).isEqualTo(qos);
            assertThat(got.retain()).isFalse();
            assertThat(got.payload()).isEqualTo(payload);
        }
    }

    static Stream<Arguments> crossVersionPairs() {
        return Stream.of(
                Arguments.of(Kind.HIVEMQ_V311, Kind.PAHO_V5),
                Arguments.of(Kind.PAHO_V5, Kind.HIVEMQ_V311),
                Arguments.of(Kind.PAHO_V311, Kind.HIVEMQ_V5),
                Arguments.of(Kind.HIVEMQ_V5, Kind.PAHO_V311));
    }

    @ParameterizedTest(name = "{0} to {1}")
    @MethodSource("crossVersionPairs")
    void publish_acrossVersionsAndLibraries_deliveredIntact(Kind publisher, Kind subscriber) throws Exception {
        String topic = unique("cross/t");
        byte[] payload = binaryPayload(3_000);
        try (AnyClient sub = subscriber.connect(broker, unique("sub"));
             AnyClient pub = publisher.connect(broker, unique("pub"))) {
            sub.subscribe(topic, 2);

            pub.publish(topic, 2, false, payload);
            pub.publish(topic, 1, false, utf8("second"));

            // Ordering holds per QoS only [MQTT-4.6.0-6]; Paho 3.x hands QoS 2 over on PUBREL, after QoS 1.
            Received a = sub.next();
            Received b = sub.next();
            Received qos2 = a.qos() == 2 ? a : b;
            Received qos1 = a.qos() == 2 ? b : a;
            assertThat(qos2.qos()).isEqualTo(2);
            assertThat(qos2.payload()).isEqualTo(payload);
            assertThat(qos1.qos()).isEqualTo(1);
            assertThat(qos1.text()).isEqualTo("second");
        }
    }

    static Stream<Arguments> downgrades() {
        List<Arguments> cases = new ArrayList<>();
        for (Kind kind : List.of(Kind.HIVEMQ_V311, Kind.HIVEMQ_V5)) {
            cases.add(Arguments.of(kind, 2, 0, 0));
            cases.add(Arguments.of(kind, 2, 1, 1));
            cases.add(Arguments.of(kind, 1, 0, 0));
            cases.add(Arguments.of(kind, 1, 2, 1)); // never upgraded
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} published QoS {1}, granted {2}")
    @MethodSource("downgrades")
    void publish_subscriptionGrantedOtherQos_deliveredAtMinimumOfBoth(Kind kind, int publishedQos, int grantedQos,
                                                                       int expectedQos) throws Exception {
        String topic = unique("downgrade/t");
        try (AnyClient sub = kind.connect(broker, unique("sub"));
             AnyClient pub = kind.connect(broker, unique("pub"))) {
            sub.subscribe(topic, grantedQos);

            pub.publish(topic, publishedQos, false, utf8("m"));

            assertThat(sub.next().qos()).isEqualTo(expectedQos); // [MQTT-3.8.4-8]
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void publish_manyAtQos2_eachDeliveredOnceInOrder(Kind kind) throws Exception {
        String topic = unique("order/t");
        int count = 50;
        try (AnyClient sub = kind.connect(broker, unique("sub"));
             AnyClient pub = kind.connect(broker, unique("pub"))) {
            sub.subscribe(topic, 2);

            for (int i = 0; i < count; i++) {
                pub.publish(topic, 2, false, utf8("m" + i));
            }
            pub.publish(topic, 2, false, utf8("end"));

            List<String> got = new ArrayList<>();
            for (Received r = sub.next(); !r.text().equals("end"); r = sub.next()) {
                got.add(r.text());
            }
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                expected.add("m" + i);
            }
            assertThat(got).containsExactlyElementsOf(expected); // [MQTT-4.6.0-6]
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void publish_emptyPayload_deliveredEmpty(Kind kind) throws Exception {
        String topic = unique("empty/t");
        try (AnyClient sub = kind.connect(broker, unique("sub"));
             AnyClient pub = kind.connect(broker, unique("pub"))) {
            sub.subscribe(topic, 1);

            pub.publish(topic, 1, false, new byte[0]);

            assertThat(sub.next().payload()).isEmpty();
        }
    }

    /** Every byte value, so a codec that mangles any of them is caught. */
    private static byte[] binaryPayload(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + (i >> 8));
        }
        return b;
    }
}
