package io.pulsemq.broker.cluster;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.pulsemq.broker.presence.PresenceRegistry;
import io.pulsemq.broker.statuslog.EventFilter;
import io.pulsemq.broker.statuslog.StatusLog;
import io.pulsemq.broker.statuslog.StatusLogContract;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The JetStream status log on a real nats-server (one server, streams of one replica; the three-server cluster is
 * exercised by the integration tests): the status log contract, plus what only a shared stream has, a writer whose
 * view of a client is stale.
 */
class JetStreamStatusLogTest extends StatusLogContract {

    private static final AtomicInteger STREAMS = new AtomicInteger();
    private static NatsCluster nats;
    private static Connection connection;

    private JetStreamStatusLog log;

    @BeforeAll
    static void startNats() throws Exception {
        nats = NatsCluster.single();
        connection = Nats.connect(new Options.Builder().servers(nats.urls().toArray(new String[0])).build());
    }

    @AfterAll
    static void stopNats() throws Exception {
        if (connection != null) {
            connection.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    /** A stream of its own per test: offsets start at 1. */
    @Override
    protected StatusLog openLog(PresenceRegistry presence) {
        int n = STREAMS.incrementAndGet();
        try {
            log = JetStreamStatusLog.open(connection, new StatusSubjects("T" + n, "t" + n + ".status"), 1, presence,
                    "n1", clock, 1000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return log;
    }

    @Override
    protected void closeLog() {
        if (log != null) {
            log.close();
        }
    }

    @Test
    void reopen_onTheSameStream_continuesOffsetsVersionsAndPresence() throws Exception {
        StatusSubjects names = new StatusSubjects("REOPEN", "reopen.status");
        try (JetStreamStatusLog first = JetStreamStatusLog.open(connection, names, 1, new PresenceRegistry(), "n1",
                clock, 1000)) {
            first.append(draft(EventType.CONNECT, "GID_r@@@1", "ch1", null)).join();
            first.append(draft(EventType.TCPCLEAN, "GID_r@@@1", "ch1", DisconnectReason.KICKED)).join();
        }
        PresenceRegistry presence = new PresenceRegistry();
        try (JetStreamStatusLog second = JetStreamStatusLog.open(connection, names, 1, presence, "n2", clock, 1000)) {
            assertThat(presence.get("GID_r@@@1").version()).isEqualTo(2);
            assertThat(presence.revision()).isEqualTo(2);

            StatusEvent next = second.append(draft(EventType.CONNECT, "GID_r@@@1", "ch2", null)).join();

            assertThat(next.offset()).isEqualTo(3);
            assertThat(next.version()).isEqualTo(3);
            assertThat(next.node()).isEqualTo("n2");
        }
    }

    @Test
    void endConnectionsOf_aDeadNode_byTwoSurvivorsAtOnce_logsOneServerCrashPerClient() throws Exception {
        StatusSubjects names = new StatusSubjects("DEAD", "dead.status");
        List<String> clients = List.of("GID_d@@@1", "GID_d@@@2", "GID_e@@@3");
        try (JetStreamStatusLog a = JetStreamStatusLog.open(connection, names, 1, new PresenceRegistry(), "a", clock,
                1000)) {
            for (String id : clients) {
                a.append(draft(EventType.CONNECT, id, "ch-" + id, null)).join();
            }
            a.append(draft(EventType.CONNECT, "GID_d@@@other", "ch", null)).join();
            a.append(draft(EventType.TCPCLEAN, "GID_d@@@other", "ch", DisconnectReason.KICKED)).join();
        } // a is gone without ending its connections: it died
        PresenceRegistry presenceB = new PresenceRegistry();
        try (JetStreamStatusLog b = JetStreamStatusLog.open(connection, names, 1, presenceB, "b", clock, 1000);
             JetStreamStatusLog c = JetStreamStatusLog.open(connection, names, 1, new PresenceRegistry(), "c", clock,
                     1000)) {
            CompletableFuture<Integer> byB = b.endConnectionsOf("a");
            CompletableFuture<Integer> byC = c.endConnectionsOf("a");

            assertThat(byB.join() + byC.join()).isEqualTo(3);
            await().atMost(30, TimeUnit.SECONDS).until(() -> b.lastOffset() >= 8);
            List<StatusEvent> ends = new ArrayList<>();
            b.read(5, 100, EventFilter.ALL, e -> ends.add(e.event()));
            assertThat(ends).hasSize(3).allSatisfy(e -> {
                assertThat(e.eventType()).isEqualTo(EventType.TCPCLEAN);
                assertThat(e.reason()).isEqualTo(DisconnectReason.SERVER_CRASH);
                assertThat(e.node()).isEqualTo("a");
                assertThat(e.version()).isEqualTo(2);
            });
            assertThat(ends).extracting(StatusEvent::clientId).containsExactlyInAnyOrderElementsOf(clients);
            for (String id : clients) {
                assertThat(presenceB.get(id).online()).isFalse();
            }
            assertThat(b.endConnectionsOf("a").join()).isZero(); // nothing left to end
        }
    }

    @Test
    void aNodeWhoseHeartbeatsStop_hasItsClientsEndedBySurvivors_onceEach() throws Exception {
        StatusSubjects names = new StatusSubjects("FAIL", "fail.status");
        String beats = "test.fail.heartbeats";
        Duration interval = Duration.ofMillis(100);
        Duration timeout = Duration.ofSeconds(3);
        PresenceRegistry presenceB = new PresenceRegistry();
        try (JetStreamStatusLog b = JetStreamStatusLog.open(connection, names, 1, presenceB, "b", clock, 1000);
             JetStreamStatusLog c = JetStreamStatusLog.open(connection, names, 1, new PresenceRegistry(), "c", clock,
                     1000);
             NodeHeartbeats hb = new NodeHeartbeats(connection, beats, "b", interval, timeout, Clock.systemUTC(),
                     new NodeFailures(b));
             NodeHeartbeats hc = new NodeHeartbeats(connection, beats, "c", interval, timeout, Clock.systemUTC(),
                     new NodeFailures(c))) {
            try (JetStreamStatusLog a = JetStreamStatusLog.open(connection, names, 1, new PresenceRegistry(), "a",
                    clock, 1000);
                 NodeHeartbeats ha = new NodeHeartbeats(connection, beats, "a", interval, timeout, Clock.systemUTC(),
                         new NodeFailures(a))) {
                a.append(draft(EventType.CONNECT, "GID_f@@@1", "ch1", null)).join();
                a.append(draft(EventType.CONNECT, "GID_f@@@2", "ch2", null)).join();
                await().atMost(30, TimeUnit.SECONDS).until(() -> hb.alive().contains("a") && hc.alive().contains("a"));
                assertThat(presenceB.get("GID_f@@@1").online()).isTrue();
            } // a stops: no more heartbeats, its connections never ended by it

            await().atMost(60, TimeUnit.SECONDS).untilAsserted(() -> {
                assertThat(presenceB.get("GID_f@@@1").online()).isFalse();
                assertThat(presenceB.get("GID_f@@@2").online()).isFalse();
            });
            List<StatusEvent> events = new ArrayList<>();
            b.read(0, 100, EventFilter.ALL, e -> events.add(e.event()));
            assertThat(events).filteredOn(e -> e.eventType() == EventType.TCPCLEAN).hasSize(2).allSatisfy(e -> {
                assertThat(e.reason()).isEqualTo(DisconnectReason.SERVER_CRASH);
                assertThat(e.node()).isEqualTo("a");
            });
        }
    }

    @Test
    void append_afterAnotherNodesEvent_isRefusedOrComesAfterIt_neverReusingItsVersion() throws Exception {
        StatusSubjects names = new StatusSubjects("STALE", "stale.status");
        PresenceRegistry presenceA = new PresenceRegistry();
        try (JetStreamStatusLog a = JetStreamStatusLog.open(connection, names, 1, presenceA, "a", clock, 1000)) {
            a.append(draft(EventType.CONNECT, "GID_s@@@1", "ch1", null)).join();
            // node b opens with a mirror that has the connect, then appends the client's end
            try (JetStreamStatusLog b = JetStreamStatusLog.open(connection, names, 1, new PresenceRegistry(), "b",
                    clock, 1000)) {
                b.append(draft(EventType.TCPCLEAN, "GID_s@@@1", "ch1", DisconnectReason.SERVER_CRASH)).join();
            }
            // a appends as if its view were current, racing b's mirror delivery: its compare-and-set must fail
            // unless its mirror had applied b's event first, in which case it appends version 3 legitimately
            StatusEvent seen = null;
            try {
                seen = a.append(draft(EventType.TCPCLEAN, "GID_s@@@1", "ch1", DisconnectReason.CONNECTION_LOST)).join();
            } catch (CompletionException e) {
                assertThat(e.getCause()).isInstanceOf(StaleClientException.class);
            }
            if (seen != null) {
                assertThat(seen.version()).isEqualTo(3);
            }
            // a's mirror gets b's event in any case (a refused append may have raced ahead of it)
            await().atMost(30, TimeUnit.SECONDS).untilAsserted(() ->
                    assertThat(presenceA.get("GID_s@@@1").version()).isIn(2L, 3L));
        }
    }
}
