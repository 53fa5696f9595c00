package io.pulsemq.broker.cluster;

import io.pulsemq.broker.presence.PresenceRegistry;
import io.pulsemq.broker.statuslog.EventFilter;
import io.pulsemq.broker.statuslog.StatusLog;
import io.pulsemq.broker.statuslog.StatusLogContract;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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
    @RegisterExtension
    static final SingleNats NATS = new SingleNats();

    private JetStreamStatusLog log;


    /** A stream of its own per test: offsets start at 1. */
    @Override
    protected StatusLog openLog(PresenceRegistry presence) {
        int n = STREAMS.incrementAndGet();
        try {
            log = open(new StatusSubjects("T" + n, "t" + n + ".status"), presence, "n1");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return log;
    }

    /** A log of node {@code node} on the test's nats-server, streams of one replica. */
    private JetStreamStatusLog open(StatusSubjects names, PresenceRegistry presence, String node)
            throws IOException, InterruptedException {
        return JetStreamStatusLog.open(NATS.connection(), names, 1, presence, node, clock, 1000);
    }

    /** Heartbeats every 100 ms, dead after 3 s of silence (thirty beats: a busy machine kills no live node). */
    private static NodeHeartbeats heartbeats(String subject, String node, JetStreamStatusLog log) {
        return new NodeHeartbeats(NATS.connection(), subject, node, Duration.ofMillis(100), Duration.ofSeconds(3),
                Clock.systemUTC(), new NodeFailures(log));
    }

    @Override
    protected void closeLog() {
        if (log != null) {
            log.close();
        }
    }

    /**
     * A client whose events all left the stream by retention keeps its version (on a node that was running, and on
     * one started afterwards) and, connected longer than the retention, stays online: the kept stream outlives them.
     */
    @Test
    void eventsPastTheRetention_versionsGoOn_andALongConnectionStaysOnline() throws Exception {
        StatusSubjects names = new StatusSubjects("AGED", "aged.status");
        Duration retention = Duration.ofSeconds(2);
        try (JetStreamStatusLog first = JetStreamStatusLog.open(NATS.connection(), names, 1, retention, 0,
                new PresenceRegistry(), "n1", Clock.systemUTC(), 1000)) {
            first.append(draft(EventType.CONNECT, "GID_aged@@@gone", "ch1", null)).join();
            first.append(draft(EventType.TCPCLEAN, "GID_aged@@@gone", "ch1", DisconnectReason.KICKED)).join();
            first.append(draft(EventType.CONNECT, "GID_aged@@@stays", "ch2", null)).join();
            var jsm = NATS.connection().jetStreamManagement();
            // kept once older than half the retention; then the stream's age limit removes the events
            await().atMost(30, TimeUnit.SECONDS).until(() -> {
                first.applyRetention();
                return jsm.getStreamInfo(names.keptStream()).getStreamState().getMsgCount() == 2;
            });
            await().atMost(30, TimeUnit.SECONDS).until(() ->
                    jsm.getStreamInfo(names.stream()).getStreamState().getMsgCount() == 0);

            PresenceRegistry later = new PresenceRegistry();
            try (JetStreamStatusLog second = JetStreamStatusLog.open(NATS.connection(), names, 1, retention, 0, later,
                    "n2", Clock.systemUTC(), 1000)) {
                assertThat(later.get("GID_aged@@@stays").online()).as("connected longer than the retention").isTrue();
                assertThat(second.append(draft(EventType.CONNECT, "GID_aged@@@gone", "ch3", null)).join().version())
                        .as("a new node goes on from the kept version").isEqualTo(3);
            }
            // the node that was running goes on too (its compare-and-set is refused once; it reads the stream)
            assertThat(first.append(draft(EventType.TCPCLEAN, "GID_aged@@@stays", "ch2", DisconnectReason.KICKED))
                    .join().version()).isEqualTo(2);
        }
    }

    @Test
    void reopen_onTheSameStream_continuesOffsetsVersionsAndPresence() throws Exception {
        StatusSubjects names = new StatusSubjects("REOPEN", "reopen.status");
        try (JetStreamStatusLog first = open(names, new PresenceRegistry(), "n1")) {
            first.append(draft(EventType.CONNECT, "GID_r@@@1", "ch1", null)).join();
            first.append(draft(EventType.TCPCLEAN, "GID_r@@@1", "ch1", DisconnectReason.KICKED)).join();
        }
        PresenceRegistry presence = new PresenceRegistry();
        try (JetStreamStatusLog second = open(names, presence, "n2")) {
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
        try (JetStreamStatusLog a = open(names, new PresenceRegistry(), "a")) {
            for (String id : clients) {
                a.append(draft(EventType.CONNECT, id, "ch-" + id, null)).join();
            }
            a.append(draft(EventType.CONNECT, "GID_d@@@other", "ch", null)).join();
            a.append(draft(EventType.TCPCLEAN, "GID_d@@@other", "ch", DisconnectReason.KICKED)).join();
        } // a is gone without ending its connections: it died
        PresenceRegistry presenceB = new PresenceRegistry();
        try (JetStreamStatusLog b = open(names, presenceB, "b");
             JetStreamStatusLog c = open(names, new PresenceRegistry(), "c")) {
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
        PresenceRegistry presenceB = new PresenceRegistry();
        try (JetStreamStatusLog b = open(names, presenceB, "b");
             JetStreamStatusLog c = open(names, new PresenceRegistry(), "c");
             NodeHeartbeats hb = heartbeats(beats, "b", b);
             NodeHeartbeats hc = heartbeats(beats, "c", c)) {
            try (JetStreamStatusLog a = open(names, new PresenceRegistry(), "a");
                 NodeHeartbeats ha = heartbeats(beats, "a", a)) {
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
        try (JetStreamStatusLog a = open(names, presenceA, "a")) {
            a.append(draft(EventType.CONNECT, "GID_s@@@1", "ch1", null)).join();
            // node b opens with a mirror that has the connect, then appends the client's end
            try (JetStreamStatusLog b = open(names, new PresenceRegistry(), "b")) {
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
