package io.pulsemq.it;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import io.pulsemq.broker.statuslog.EventFilter;
import io.pulsemq.broker.statuslog.StoredEvent;
import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The status events of CONTRACT.md section 3, as real clients produce them: exact sequences per
 * connection, per-client versions without gaps, takeover order, and read-your-writes after CONNACK.
 */
class StatusEventsIT {

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
    void connect_afterConnAck_clientIsOnlineAtOnce() {
        Mqtt5BlockingClient c = Clients.hive5(broker, "GID_rw@@@dev1");
        c.connect();

        ClientStatus status = broker.broker().presence().get("GID_rw@@@dev1"); // no waiting: read-your-writes
        assertThat(status.online()).isTrue();
        assertThat(status.groupId()).isEqualTo("GID_rw");
        assertThat(status.protocolVersion()).isEqualTo(5);
        c.disconnect();
    }

    @Test
    void cleanDisconnect_logsConnectDisconnectTcpcleanOnOneChannel() {
        Mqtt5BlockingClient c = Clients.hive5(broker, "GID_seq@@@clean");
        c.connect();
        c.disconnect();

        List<StatusEvent> events = awaitEvents("GID_seq@@@clean", 3);
        assertThat(events).extracting(StatusEvent::eventType)
                .containsExactly(EventType.CONNECT, EventType.DISCONNECT, EventType.TCPCLEAN);
        assertThat(events).extracting(StatusEvent::reason)
                .containsExactly(null, DisconnectReason.CLIENT_DISCONNECT, DisconnectReason.CLIENT_DISCONNECT);
        assertThat(events).extracting(StatusEvent::channelId).containsOnly(events.get(0).channelId());
        assertThat(events.get(0).channelId()).matches("[0-9a-f]{32}");
        assertThat(events).extracting(StatusEvent::version).containsExactly(1L, 2L, 3L);
        assertThat(events.get(0).clientIp()).startsWith("127.0.0.1:");
        assertThat(broker.broker().presence().get("GID_seq@@@clean").online()).isFalse();
    }

    @Test
    void connectionLost_logsOneTcpcleanWithConnectionLost() throws Exception {
        RawMqttClient raw = RawMqttClient.connect(broker, RawMqttClient.Connect.v311("GID_seq@@@lost"));
        raw.close(); // no DISCONNECT

        List<StatusEvent> events = awaitEvents("GID_seq@@@lost", 2);
        assertThat(events).extracting(StatusEvent::eventType).containsExactly(EventType.CONNECT, EventType.TCPCLEAN);
        assertThat(events.get(1).reason()).isEqualTo(DisconnectReason.CONNECTION_LOST);
    }

    @Test
    void keepAliveTimeout_logsTcpcleanWithKeepaliveTimeout() throws Exception {
        RawMqttClient raw = RawMqttClient.connect(broker, RawMqttClient.Connect.v5("GID_seq@@@silent").keepAlive(1));

        List<StatusEvent> events = awaitEvents("GID_seq@@@silent", 2);
        assertThat(events.get(1).eventType()).isEqualTo(EventType.TCPCLEAN);
        assertThat(events.get(1).reason()).isEqualTo(DisconnectReason.KEEPALIVE_TIMEOUT);
        raw.close();
    }

    @Test
    void takeover_logsOldTcpcleanBeforeNewConnect() {
        Mqtt5BlockingClient first = Clients.hive5(broker, "GID_seq@@@twin");
        first.connect();
        Mqtt5BlockingClient second = Clients.hive5(broker, "GID_seq@@@twin");
        second.connect();

        assertThat(broker.broker().presence().get("GID_seq@@@twin").online()).isTrue();
        List<StatusEvent> events = awaitEvents("GID_seq@@@twin", 3);
        assertThat(events).extracting(StatusEvent::eventType)
                .containsExactly(EventType.CONNECT, EventType.TCPCLEAN, EventType.CONNECT);
        assertThat(events.get(1).reason()).isEqualTo(DisconnectReason.SESSION_TAKEN_OVER);
        assertThat(events.get(1).channelId()).isEqualTo(events.get(0).channelId());
        assertThat(events.get(2).channelId()).isNotEqualTo(events.get(0).channelId());
        assertThat(events).extracting(StatusEvent::offset).isSorted();
        second.disconnect();
    }

    @Test
    void kick_logsTcpcleanKickedAndIsOfflineWhenItCompletes() {
        Mqtt5BlockingClient c = Clients.hive5(broker, "GID_seq@@@kicked");
        c.connect();

        assertThat(broker.broker().sessions().kick("GID_seq@@@kicked").toCompletableFuture().join()).isTrue();

        assertThat(broker.broker().presence().get("GID_seq@@@kicked").online()).isFalse(); // no waiting
        List<StatusEvent> events = awaitEvents("GID_seq@@@kicked", 2);
        assertThat(events.get(1).reason()).isEqualTo(DisconnectReason.KICKED);
    }

    @Test
    void refusedConnect_isNoStatusEventButIsInTheTrace() {
        Mqtt5BlockingClient c = com.hivemq.client.mqtt.MqttClient.builder().useMqttVersion5()
                .identifier("GID_car@@@refused").serverHost("127.0.0.1").serverPort(broker.mqttPort())
                .simpleAuth().username(BrokerFixture.CAR_DEVICE.id())
                .password("wrong".getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
                .buildBlocking();
        assertThatThrownBy(c::connect).isInstanceOf(Mqtt5ConnAckException.class);

        List<String> rejected = new ArrayList<>();
        await().untilAsserted(() -> {
            rejected.clear();
            broker.broker().statusLog().readRejected("GID_car@@@refused", 0, Long.MAX_VALUE, r -> rejected.add(r.reason()));
            assertThat(rejected).containsExactly("not_authorized");
        });
        assertThat(events("GID_car@@@refused")).isEmpty();
        assertThat(broker.broker().presence().get("GID_car@@@refused").version()).isZero();
    }

    @Test
    void manyConnections_versionsGrowByOneWithoutGaps() {
        for (int i = 0; i < 5; i++) {
            Mqtt5BlockingClient c = Clients.hive5(broker, "GID_seq@@@many");
            c.connect();
            c.disconnect();
        }
        // Each connection ends in one of two ways. Usually the broker reads its DISCONNECT first: connect,
        // disconnect, tcpclean (client_disconnect). But the client's next CONNECT arrives on another connection,
        // which another event loop may read before this one reads the DISCONNECT (a loaded machine does this now
        // and then): then the new connection takes the session over, and the old one ends with one tcpclean
        // (session_taken_over) before the new connect. Either way: five connections, versions without a gap.
        await().until(() -> {
            List<StatusEvent> e = events("GID_seq@@@many");
            return e.stream().filter(x -> x.eventType() == EventType.CONNECT).count() == 5
                    && e.get(e.size() - 1).eventType() == EventType.TCPCLEAN;
        });
        List<StatusEvent> events = events("GID_seq@@@many");
        assertThat(events).extracting(StatusEvent::version)
                .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, events.size()).boxed()
                        .collect(Collectors.toList()));
        List<String> connections = events.stream().map(StatusEvent::channelId).distinct().toList();
        assertThat(connections).hasSize(5);
        for (String channel : connections) {
            List<String> shape = events.stream().filter(e -> e.channelId().equals(channel))
                    .map(e -> e.eventType().wireName() + (e.reason() == null ? "" : "/" + e.reason().wireName()))
                    .toList();
            assertThat(shape).isIn(
                    List.of("connect", "disconnect/client_disconnect", "tcpclean/client_disconnect"),
                    List.of("connect", "tcpclean/session_taken_over"));
        }
    }

    private static List<StatusEvent> awaitEvents(String clientId, int count) {
        await().until(() -> events(clientId).size() >= count);
        List<StatusEvent> events = events(clientId);
        assertThat(events).hasSize(count);
        return events;
    }

    static List<StatusEvent> events(String clientId) {
        return events(broker, clientId);
    }

    /** Every status event of {@code clientId} in {@code broker}'s log, oldest first. */
    static List<StatusEvent> events(BrokerFixture broker, String clientId) {
        List<StatusEvent> out = new ArrayList<>();
        broker.broker().statusLog().readClient(clientId, 0, false, 0, Long.MAX_VALUE, e -> out.add(e.event()));
        return out;
    }

    /** Every event of the log, in order, for assertions across clients. */
    static List<StoredEvent> all(BrokerFixture b) {
        List<StoredEvent> out = new ArrayList<>();
        b.broker().statusLog().read(0, Integer.MAX_VALUE, EventFilter.ALL, out::add);
        return out;
    }
}
