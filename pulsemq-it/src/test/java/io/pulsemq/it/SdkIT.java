package io.pulsemq.it;

import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import io.pulsemq.sdk.Backoff;
import io.pulsemq.sdk.GroupCounts;
import io.pulsemq.sdk.ListQuery;
import io.pulsemq.sdk.StatusApiException;
import io.pulsemq.sdk.StatusClient;
import io.pulsemq.sdk.StatusStream;
import io.pulsemq.sdk.Statuses;
import io.pulsemq.sdk.TraceEntry;
import io.pulsemq.sdk.TraceQuery;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.pulsemq.it.BrokerFixture.ADMIN;
import static io.pulsemq.it.BrokerFixture.CAR_SERVER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** StatusClient queries and StatusStream delivery against a real broker. */
class SdkIT {

    private BrokerFixture broker;
    private StatusClient client;
    private final List<RawMqttClient> connections = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        broker = BrokerFixture.start();
        client = client(ADMIN.id(), ADMIN.secret());
    }

    private StatusClient client(String id, String secret) {
        return StatusClient.builder().baseUrl(() -> URI.create("http://127.0.0.1:" + broker.httpPort()))
                .accessKey(id).secretKey(secret).build();
    }

    @AfterEach
    void stop() throws IOException {
        for (RawMqttClient c : connections) {
            c.close();
        }
        client.close();
        broker.close();
    }

    private RawMqttClient connect(String clientId) throws IOException {
        RawMqttClient c = RawMqttClient.connect(broker, RawMqttClient.Connect.v311(clientId));
        connections.add(c);
        return c;
    }

    @Test
    void queries_batchOfAnySize_paging_groups_trace_andTypedErrors() throws IOException {
        connect("GID_q@@@d1");
        connect("GID_q@@@d3");
        RawMqttClient gone = connect("GID_q@@@d2");
        gone.disconnect();
        gone.close();
        await().until(() -> !client.status("GID_q@@@d2").online());

        List<String> ids = IntStream.range(0, 1500).mapToObj(i -> "GID_q@@@d" + (1500 - i)).collect(Collectors.toList());
        Statuses batch = client.statuses(ids);
        assertThat(batch.statuses()).extracting(ClientStatus::clientId).containsExactlyElementsOf(ids);
        assertThat(batch.statuses().stream().filter(ClientStatus::online).map(ClientStatus::clientId))
                .containsExactlyInAnyOrder("GID_q@@@d1", "GID_q@@@d3");
        assertThat(batch.revision()).isPositive();

        assertThat(client.list(ListQuery.all().group("GID_q").pageSize(1)).map(ClientStatus::clientId))
                .containsExactly("GID_q@@@d1", "GID_q@@@d2", "GID_q@@@d3");
        assertThat(client.snapshot(ListQuery.all().online(true).pageSize(1)).clients()).hasSize(2);
        assertThat(client.group("GID_q")).isEqualTo(new GroupCounts("GID_q", 2, 3));
        assertThat(client.groups().groups()).contains(new GroupCounts("GID_q", 2, 3));

        List<TraceEntry> trace = client.trace("GID_q@@@d2", TraceQuery.all().pageSize(1)).toList();
        assertThat(trace).extracting(TraceEntry::eventType).containsExactly("connect", "disconnect", "tcpclean");
        assertThat(trace.get(2).event().version()).isEqualTo(3);

        try (StatusClient wrong = client(ADMIN.id(), "wrong"); StatusClient car = client(CAR_SERVER.id(), CAR_SERVER.secret())) {
            assertThatThrownBy(() -> wrong.status("GID_q@@@d1")).isInstanceOf(StatusApiException.UnauthorizedException.class);
            assertThatThrownBy(() -> car.status("GID_q@@@d1"))
                    .isInstanceOfSatisfying(StatusApiException.ForbiddenException.class,
                            e -> assertThat(e.errorCode()).isEqualTo("forbidden"));
        }
    }

    @Test
    void stream_fromAnOffset_deliversEveryEventOnce_acrossARestartOnNewPorts() throws Exception {
        long from = client.groups().revision();
        try (StatusStream events = StatusStream.builder().client(client).group("GID_s").from(from)
                .reconnectBackoff(new Backoff(Duration.ofMillis(10), Duration.ofMillis(200), 2, 0.5)).open()) {
            connect("GID_s@@@a").close();
            connect("GID_other@@@x");
            List<StatusEvent> got = new ArrayList<>();
            got.add(events.next());
            got.add(events.next());

            connect("GID_s@@@a");
            broker.restart();
            connect("GID_s@@@a").disconnect();
            while (got.size() < 7) {
                got.add(events.next());
            }

            assertThat(got).extracting(StatusEvent::eventType).containsExactly(EventType.CONNECT, EventType.TCPCLEAN,
                    EventType.CONNECT, EventType.TCPCLEAN, EventType.CONNECT, EventType.DISCONNECT, EventType.TCPCLEAN);
            assertThat(got).extracting(StatusEvent::version).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
            assertThat(events.position()).isEqualTo(got.get(6).offset());
            assertThat(events.poll(Duration.ofMillis(50))).isNull();
        }
    }

    @Test
    void stream_fromAnOffsetNoLongerRetained_failsWithGone() throws IOException {
        connect("GID_r@@@a").close();
        await().until(() -> !client.status("GID_r@@@a").online());
        long lastTime = broker.broker().embeddedStatusLog().get(broker.broker().statusLog().lastOffset()).time();
        await().until(() -> System.currentTimeMillis() > lastTime);
        broker.broker().embeddedStatusLog().applyRetention(Duration.ZERO, 0).join();

        try (StatusStream events = StatusStream.builder().client(client).from(0).open()) {
            assertThatThrownBy(events::next).isInstanceOf(StatusApiException.GoneException.class)
                    .hasMessageContaining("no longer retained");
        }
    }
}
