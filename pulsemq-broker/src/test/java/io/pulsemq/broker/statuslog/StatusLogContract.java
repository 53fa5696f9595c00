package io.pulsemq.broker.statuslog;

import io.pulsemq.broker.presence.PresenceRegistry;
import io.pulsemq.broker.session.ConnectionInfo;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What every {@link StatusLog} guarantees, whatever keeps it (RocksDB on one node, a JetStream stream in a cluster):
 * offsets that grow by one across clients, versions that grow by one per client, presence applied before an append
 * completes, and reads by offset, group, type, client and time. Each implementation's test extends this with a
 * fresh, empty log per test.
 */
public abstract class StatusLogContract {

    protected final Clock clock = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);

    /** A fresh, empty log that applies its events to {@code presence}; the test closes it with {@link #closeLog}. */
    protected abstract StatusLog openLog(PresenceRegistry presence);

    /** Closes what {@link #openLog} opened (the log first, then what it is kept in). */
    protected abstract void closeLog();

    @AfterEach
    void closeTheLog() {
        closeLog();
    }

    @Test
    void append_assignsIncreasingOffsetsAndPerClientVersions() {
        PresenceRegistry presence = new PresenceRegistry();
        StatusLog log = openLog(presence);
        StatusEvent a1 = log.append(draft(EventType.CONNECT, "GID_a@@@1", "ch1", null)).join();
        StatusEvent b1 = log.append(draft(EventType.CONNECT, "GID_b@@@1", "ch2", null)).join();
        StatusEvent a2 = log.append(draft(EventType.TCPCLEAN, "GID_a@@@1", "ch1", DisconnectReason.CONNECTION_LOST))
                .join();

        assertThat(List.of(a1.offset(), b1.offset(), a2.offset())).containsExactly(1L, 2L, 3L);
        assertThat(List.of(a1.version(), b1.version(), a2.version())).containsExactly(1L, 1L, 2L);
        assertThat(a1.groupId()).isEqualTo("GID_a");
        assertThat(presence.get("GID_a@@@1").online()).isFalse();
        assertThat(presence.get("GID_b@@@1").online()).isTrue();
        assertThat(presence.revision()).isEqualTo(3);
        assertThat(presence.group("GID_b")).isEqualTo(new PresenceRegistry.GroupCounts("GID_b", 1, 1));
        assertThat(log.lastOffset()).isEqualTo(3);
        assertThat(log.newestOffsetOfGroup("GID_a")).isEqualTo(3);
        assertThat(log.newestOffsetOfGroup("GID_b")).isEqualTo(2);
        assertThat(log.newestOffsetOfGroup("GID_none")).isZero();
    }

    @Test
    void read_filtersByGroupAndType_andStopsAtLimit() {
        StatusLog log = openLog(new PresenceRegistry());
        List<CompletableFuture<StatusEvent>> all = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            all.add(log.append(draft(EventType.CONNECT, (i % 2 == 0 ? "GID_x@@@" : "GID_y@@@") + i, "ch" + i, null)));
        }
        all.forEach(CompletableFuture::join);
        List<Long> offsets = new ArrayList<>();
        long last = log.read(0, 3, new EventFilter("GID_y", null), e -> offsets.add(e.offset()));
        assertThat(offsets).containsExactly(2L, 4L, 6L);
        assertThat(last).isEqualTo(6);
    }

    @Test
    void readClient_forwardAndReverse() {
        StatusLog log = openLog(new PresenceRegistry());
        log.append(draft(EventType.CONNECT, "a", "ch1", null));
        log.append(draft(EventType.CONNECT, "ab", "ch2", null));
        log.append(draft(EventType.TCPCLEAN, "a", "ch1", DisconnectReason.KICKED)).join();
        List<Long> forward = new ArrayList<>();
        log.readClient("a", 0, false, 0, Long.MAX_VALUE, e -> forward.add(e.offset()));
        List<Long> backward = new ArrayList<>();
        log.readClient("a", Long.MAX_VALUE, true, 0, Long.MAX_VALUE, e -> backward.add(e.offset()));
        assertThat(forward).containsExactly(1L, 3L);
        assertThat(backward).containsExactly(3L, 1L);
    }

    @Test
    void offsetAtOrAfter_findsFirstEventAtTime() {
        StatusLog log = openLog(new PresenceRegistry());
        for (int i = 0; i < 5; i++) {
            log.append(new EventDraft(EventType.CONNECT, info("c" + i, "ch"), null, 1000 + i * 10L)).join();
        }
        assertThat(log.offsetAtOrAfter(0)).isEqualTo(1);
        assertThat(log.offsetAtOrAfter(1015)).isEqualTo(3);
        assertThat(log.offsetAtOrAfter(5000)).isEqualTo(6);
    }

    @Test
    void recordRejected_isReadBackForThatClientOnly_byTimeRange() {
        StatusLog log = openLog(new PresenceRegistry());
        log.recordRejected(new RejectedConnect("GID_r@@@1", "ch1", "127.0.0.1:1", 1000, "not_authorized", "bad password"));
        log.recordRejected(new RejectedConnect("GID_r@@@1", "ch2", "127.0.0.1:1", 2000, "quota_exceeded", "limit"));
        log.recordRejected(new RejectedConnect("GID_r@@@10", "ch3", "127.0.0.1:1", 1500, "not_authorized", "other"));

        await().atMost(30, TimeUnit.SECONDS).untilAsserted(() -> {
            List<String> channels = new ArrayList<>();
            log.readRejected("GID_r@@@1", 0, Long.MAX_VALUE, r -> channels.add(r.channelId()));
            assertThat(channels).containsExactly("ch1", "ch2");
        });
        List<String> reasons = new ArrayList<>();
        log.readRejected("GID_r@@@1", 1500, 2500, r -> reasons.add(r.reason()));
        assertThat(reasons).containsExactly("quota_exceeded");
    }

    protected EventDraft draft(EventType type, String clientId, String channel, DisconnectReason reason) {
        return new EventDraft(type, info(clientId, channel), reason, clock.millis());
    }

    protected static ConnectionInfo info(String clientId, String channel) {
        return new ConnectionInfo(clientId, channel, "127.0.0.1:1000", 5, 60, true, null, 1);
    }
}
