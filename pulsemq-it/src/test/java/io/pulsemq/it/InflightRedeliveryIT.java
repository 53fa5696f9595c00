package io.pulsemq.it;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.pulsemq.it.Clients.Subscriber;
import io.pulsemq.it.RawMqttClient.Connect;
import io.pulsemq.it.RawMqttClient.Packet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static io.pulsemq.it.Clients.publish;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What was in flight when a persistent session's connection broke resumes on reconnect
 * [MQTT-4.4.0-1]: an unacknowledged PUBLISH is resent with DUP and the same packet ID, a QoS 2
 * exchange resumes at PUBREL, in both directions. Raw clients, because real ones acknowledge.
 */
class InflightRedeliveryIT {

    private static BrokerFixture broker;
    private static Mqtt5BlockingClient publisher;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start();
        publisher = Clients.hive5(broker, "inf-publisher");
        publisher.connect();
    }

    @AfterAll
    static void stop() {
        publisher.disconnect();
        broker.close();
    }

    @ParameterizedTest(name = "MQTT protocol level {0}")
    @ValueSource(ints = {RawMqttClient.V311, RawMqttClient.V5})
    void inflightQos1_notAcknowledged_redeliveredWithDupAndSamePacketIdAfterReconnect(int version) throws Exception {
        String clientId = "inf-q1-v" + version;
        String topic = "inf/q1/v" + version;
        Packet sent;
        try (RawMqttClient raw = RawMqttClient.connect(broker, persistent(version, clientId))) {
            raw.subscribe(1, topic, 1);
            publish(publisher, topic, "unacked", 1);
            sent = raw.read();
            assertThat(sent.type()).isEqualTo(RawMqttClient.PUBLISH);
            assertThat(sent.dup()).isFalse();
            // no PUBACK: the connection breaks
        }
        awaitOffline(clientId);

        try (RawMqttClient raw = RawMqttClient.connect(broker, persistent(version, clientId))) {
            assertThat(raw.connAck().sessionPresent()).isTrue();
            Packet again = raw.read();
            assertThat(again.type()).isEqualTo(RawMqttClient.PUBLISH);
            assertThat(again.dup()).isTrue();
            assertThat(again.qos()).isEqualTo(1);
            assertThat(again.packetId()).isEqualTo(sent.packetId());
            assertThat(again.topic()).isEqualTo(topic);
            assertThat(again.payload()).isEqualTo("unacked");
            raw.pubAck(again.packetId());

            publish(publisher, topic, "next", 1);
            Packet next = raw.read(); // acknowledged now: not sent a third time
            assertThat(next.payload()).isEqualTo("next");
            assertThat(next.dup()).isFalse();
            raw.pubAck(next.packetId());
            raw.disconnect();
        }
    }

    @ParameterizedTest(name = "MQTT protocol level {0}")
    @ValueSource(ints = {RawMqttClient.V311, RawMqttClient.V5})
    void outboundQos2_pubrecWithoutPubcomp_pubrelResentAfterReconnect(int version) throws Exception {
        String clientId = "inf-q2out-v" + version;
        String topic = "inf/q2out/v" + version;
        int packetId;
        try (RawMqttClient raw = RawMqttClient.connect(broker, persistent(version, clientId))) {
            raw.subscribe(1, topic, 2);
            publish(publisher, topic, "exactly-once", 2);
            Packet p = raw.read();
            assertThat(p.qos()).isEqualTo(2);
            packetId = p.packetId();
            raw.pubRec(packetId);
            Packet rel = raw.read();
            assertThat(rel.type()).isEqualTo(RawMqttClient.PUBREL);
            assertThat(rel.packetId()).isEqualTo(packetId);
            // no PUBCOMP: the connection breaks
        }
        awaitOffline(clientId);

        try (RawMqttClient raw = RawMqttClient.connect(broker, persistent(version, clientId))) {
            assertThat(raw.connAck().sessionPresent()).isTrue();
            Packet rel = raw.read(); // the exchange resumes at PUBREL, the message is not resent
            assertThat(rel.type()).isEqualTo(RawMqttClient.PUBREL);
            assertThat(rel.packetId()).isEqualTo(packetId);
            raw.pubComp(packetId);

            publish(publisher, topic, "next", 2);
            Packet next = raw.read();
            assertThat(next.type()).isEqualTo(RawMqttClient.PUBLISH);
            assertThat(next.payload()).isEqualTo("next");
            assertThat(next.dup()).isFalse();
            raw.disconnect();
        }
    }

    @ParameterizedTest(name = "MQTT protocol level {0}")
    @ValueSource(ints = {RawMqttClient.V311, RawMqttClient.V5})
    void inboundQos2_pubrelAfterReconnect_completesAndDeliversOnce(int version) throws Exception {
        String clientId = "inf-q2in-v" + version;
        String topic = "inf/q2in/v" + version;
        try (Subscriber sub = Clients.subscriber(broker, "inf-q2in-sub-v" + version, topic)) {
            try (RawMqttClient raw = RawMqttClient.connect(broker, persistent(version, clientId))) {
                raw.publish(topic, "once", 2, 7, false);
                Packet rec = raw.read();
                assertThat(rec.type()).isEqualTo(RawMqttClient.PUBREC);
                assertThat(rec.packetId()).isEqualTo(7);
                // no PUBREL: the connection breaks
            }
            awaitOffline(clientId);

            try (RawMqttClient raw = RawMqttClient.connect(broker, persistent(version, clientId))) {
                assertThat(raw.connAck().sessionPresent()).isTrue();
                raw.pubRel(7);
                Packet comp = raw.read();
                assertThat(comp.type()).isEqualTo(RawMqttClient.PUBCOMP);
                assertThat(comp.packetId()).isEqualTo(7);
                assertThat(comp.reasonCode()).isZero(); // v5: success, not 0x92 "packet identifier not found"
                raw.publish(topic, "marker", 1, 8, false);
                assertThat(raw.read().type()).isEqualTo(RawMqttClient.PUBACK);
                raw.disconnect();
            }
            sub.expectNext("once");
            sub.expectNext("marker"); // "once" was delivered exactly once
        }
    }

    private static Connect persistent(int version, String clientId) {
        return version == RawMqttClient.V5
                ? Connect.v5(clientId).cleanStart(false).sessionExpiry(300)
                : Connect.v311(clientId).cleanStart(false);
    }

    private static void awaitOffline(String clientId) {
        await().atMost(Duration.ofSeconds(Clients.TIMEOUT_S)).until(() -> !broker.broker().sessions().isConnected(clientId));
    }
}
