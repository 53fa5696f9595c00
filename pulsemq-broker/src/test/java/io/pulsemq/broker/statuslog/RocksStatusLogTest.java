package io.pulsemq.broker.statuslog;

import io.pulsemq.broker.presence.PresenceRegistry;
import io.pulsemq.broker.store.ColumnFamily;
import io.pulsemq.broker.store.RocksStore;
import io.pulsemq.broker.store.StoreException;
import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

class RocksStatusLogTest extends StatusLogContract {

    @TempDir
    Path dir;

    private RocksStore contractStore;
    private RocksStatusLog contractLog;

    @Override
    protected StatusLog openLog(PresenceRegistry presence) {
        contractStore = RocksStore.open(dir);
        contractLog = RocksStatusLog.open(contractStore, presence, "n1", clock, 1000);
        return contractLog;
    }

    @Override
    protected void closeLog() {
        if (contractLog != null) {
            contractLog.close();
            contractStore.close();
        }
    }

    @Test
    void storeWriteError_refusesConnects_keepsEndingsToRetry_andShowsNothingUnwritten() throws Exception {
        Path mount = Files.createDirectories(dir.resolve("tmpfs"));
        assumeThat(run("mount", "-t", "tmpfs", "-o", "size=" + (24 << 20), "tmpfs", mount.toString()))
                .as("mounting a tmpfs needs root (as in CI)").isZero();
        try (RocksStore store = RocksStore.open(mount.resolve("data"))) {
            PresenceRegistry presence = new PresenceRegistry();
            try (RocksStatusLog log = RocksStatusLog.open(store, presence, "n1", clock, 10)) {
                log.append(draft(EventType.CONNECT, "c1", "ch1", null)).join();
                try (OutputStream filler = Files.newOutputStream(mount.resolve("filler"))) {
                    byte[] chunk = new byte[64 << 10];
                    while (Files.getFileStore(mount).getUsableSpace() > 0) {
                        filler.write(chunk); // the disk fills up for real: RocksDB's next write fails
                    }
                } catch (IOException full) {
                    // No space left on device: as intended
                }
                byte[] big = new byte[64 << 10];
                for (int i = 0; ; i++) { // then other writers use up the write-ahead log's preallocated room
                    try (RocksStore.Batch b = store.newBatch()) {
                        b.put(ColumnFamily.RETAINED, ("retained/" + i).getBytes(StandardCharsets.UTF_8), big);
                        store.write(b);
                    } catch (StoreException full) {
                        break;
                    }
                }

                CompletableFuture<StatusEvent> ending = log.append(draft(EventType.TCPCLEAN, "c1", "ch1",
                        DisconnectReason.CONNECTION_LOST));
                List<CompletableFuture<StatusEvent>> connects = new ArrayList<>();
                for (int i = 0; i < 20; i++) { // twice the pending limit: failed connects must not stay counted
                    connects.add(log.append(draft(EventType.CONNECT, "c" + (i + 2), "ch" + (i + 2), null)));
                }

                await().atMost(Duration.ofSeconds(30)).until(() -> connects.stream().allMatch(CompletableFuture::isDone));
                assertThat(connects).allSatisfy(f -> assertThat(f).isCompletedExceptionally());
                assertThat(log.unavailable()).get().asString().contains("No space left");
                assertThat(log.acceptingConnects()).as("no failed connect left counted as pending").isTrue();
                assertThat(ending).as("an ending is kept to be written, never dropped").isNotDone();
                assertThat(presence.get("c1").online()).as("nothing unwritten is shown").isTrue();
                assertThat(log.lastOffset()).isEqualTo(1);
            }
        } finally {
            run("umount", mount.toString());
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    @Test
    void reopen_keepsOffsetsVersionsAndPresence_andRecoversOnlineClientsAsCrashed() {
        try (RocksStore store = RocksStore.open(dir)) {
            try (RocksStatusLog log = RocksStatusLog.open(store, new PresenceRegistry(), "n1", clock, 1000)) {
                log.append(draft(EventType.CONNECT, "c1", "ch1", null)).join();
                log.append(draft(EventType.CONNECT, "c2", "ch2", null)).join();
                log.append(draft(EventType.TCPCLEAN, "c2", "ch2", DisconnectReason.CONNECTION_LOST)).join();
            }
        }
        try (RocksStore store = RocksStore.open(dir)) {
            PresenceRegistry presence = new PresenceRegistry();
            try (RocksStatusLog log = RocksStatusLog.open(store, presence, "n1", clock, 1000)) {
                assertThat(log.lastOffset()).isEqualTo(3);
                assertThat(presence.get("c1").online()).isTrue();
                assertThat(log.newestOffsetOfGroup(presence.get("c2").groupId())).isEqualTo(3);

                assertThat(log.recoverUncleanStop()).isEqualTo(1);

                ClientStatus c1 = presence.get("c1");
                assertThat(c1.online()).isFalse();
                assertThat(c1.version()).isEqualTo(2);
                assertThat(c1.lastReason()).isEqualTo("server_crash");
                List<StoredEvent> events = new ArrayList<>();
                log.read(3, 10, EventFilter.ALL, events::add);
                assertThat(events).singleElement().satisfies(e -> {
                    assertThat(e.offset()).isEqualTo(4);
                    assertThat(e.event().reason()).isEqualTo(DisconnectReason.SERVER_CRASH);
                    assertThat(e.event().channelId()).isEqualTo("ch1");
                });
            }
        }
    }

    @Test
    void reopen_afterACrashBetweenDisconnectAndTcpclean_logsTheMissingTcpcleanAsClientDisconnect() {
        try (RocksStore store = RocksStore.open(dir)) {
            try (RocksStatusLog log = RocksStatusLog.open(store, new PresenceRegistry(), "n1", clock, 1000)) {
                log.append(draft(EventType.CONNECT, "c1", "ch1", null)).join();
                // the process died after this write and before the tcpclean written right after it
                log.append(draft(EventType.DISCONNECT, "c1", "ch1", DisconnectReason.CLIENT_DISCONNECT)).join();
            }
        }
        try (RocksStore store = RocksStore.open(dir)) {
            PresenceRegistry presence = new PresenceRegistry();
            try (RocksStatusLog log = RocksStatusLog.open(store, presence, "n1", clock, 1000)) {
                assertThat(log.recoverUncleanStop()).isZero(); // nobody was online

                List<StoredEvent> events = new ArrayList<>();
                log.read(2, 10, EventFilter.ALL, events::add);
                assertThat(events).singleElement().satisfies(e -> {
                    assertThat(e.event().eventType()).isEqualTo(EventType.TCPCLEAN);
                    assertThat(e.event().reason()).isEqualTo(DisconnectReason.CLIENT_DISCONNECT);
                    assertThat(e.event().channelId()).isEqualTo("ch1");
                    assertThat(e.event().version()).isEqualTo(3);
                });
                assertThat(presence.get("c1").lastEventType()).isEqualTo("tcpclean");
            }
        }
    }

    /**
     * Reads of the newest events are served from memory, older ones from the store; a reader must not be able to
     * tell: the same events, in order, byte for byte, before and after a restart (when memory holds nothing).
     */
    @Test
    void read_givesTheSameEvents_fromMemoryTail_store_andAcrossTheirBoundary() {
        int events = RocksStatusLog.TAIL_SIZE * 2 + 100;
        List<Seen> live;
        try (RocksStore store = RocksStore.open(dir)) {
            try (RocksStatusLog log = RocksStatusLog.open(store, new PresenceRegistry(), "n1", clock, events)) {
                List<CompletableFuture<StatusEvent>> all = new ArrayList<>();
                for (int i = 0; i < events; i++) {
                    all.add(log.append(draft(i % 3 == 0 ? EventType.DISCONNECT : EventType.CONNECT, "GID_t@@@" + (i % 50),
                            "ch" + i, i % 3 == 0 ? DisconnectReason.CLIENT_DISCONNECT : null)));
                }
                all.forEach(CompletableFuture::join);
                live = readAll(log, 0, 300);
                // a follower that is only a few events behind, and one that starts inside the store part
                assertThat(readAll(log, events - 5, 300)).isEqualTo(live.subList(events - 5, events));
                assertThat(readAll(log, events - RocksStatusLog.TAIL_SIZE - 10, 300))
                        .isEqualTo(live.subList(events - RocksStatusLog.TAIL_SIZE - 10, events));
            }
        }
        assertThat(live).extracting(Seen::offset).containsExactlyElementsOf(
                java.util.stream.LongStream.rangeClosed(1, events).boxed().toList());
        try (RocksStore store = RocksStore.open(dir);
             RocksStatusLog log = RocksStatusLog.open(store, new PresenceRegistry(), "n1", clock, events)) {
            assertThat(readAll(log, 0, 300)).isEqualTo(live);
        }
    }

    /** Followers read the newest events from memory: with their rows gone from the store, they still get them. */
    @Test
    void read_ofTheNewestEvents_comesFromMemory_olderOnesFromTheStore() {
        int events = RocksStatusLog.TAIL_SIZE + 10;
        try (RocksStore store = RocksStore.open(dir);
             RocksStatusLog log = RocksStatusLog.open(store, new PresenceRegistry(), "n1", clock, events)) {
            List<CompletableFuture<StatusEvent>> all = new ArrayList<>();
            for (int i = 0; i < events; i++) {
                all.add(log.append(draft(EventType.CONNECT, "GID_m@@@" + i, "ch" + i, null)));
            }
            all.forEach(CompletableFuture::join);
            store.deleteRange(ColumnFamily.STATUS_LOG, new byte[8], new byte[] {(byte) 0xFF, 0, 0, 0, 0, 0, 0, 0});

            List<Long> newest = new ArrayList<>();
            assertThat(log.read(events - 5, 100, EventFilter.ALL, e -> newest.add(e.offset()))).isEqualTo(events);
            assertThat(newest).containsExactly(1030L, 1031L, 1032L, 1033L, 1034L);
            List<Long> fromStart = new ArrayList<>();
            log.read(0, 100, EventFilter.ALL, e -> fromStart.add(e.offset()));
            assertThat(fromStart).as("a read reaching back past memory goes to the store, which lost them").isEmpty();
        }
    }

    /** A read event by value (its JSON as text). */
    private record Seen(long offset, String clientId, String groupId, EventType type, long time, String json) {
    }

    /** Every event after {@code after}, read in pages of {@code page}. */
    private static List<Seen> readAll(RocksStatusLog log, long after, int page) {
        List<Seen> out = new ArrayList<>();
        long position = after;
        while (position < log.lastOffset()) {
            position = log.read(position, page, EventFilter.ALL, e -> out.add(new Seen(e.offset(), e.clientId(),
                    e.groupId(), e.type(), e.time(), new String(e.json(), java.nio.charset.StandardCharsets.UTF_8))));
        }
        return out;
    }

    @Test
    void readClient_walksTheClientsOwnEvents_acrossRestart_byTimeRangeCursorAndRetention() {
        try (RocksStore store = RocksStore.open(dir);
             RocksStatusLog log = RocksStatusLog.open(store, new PresenceRegistry(), "n1", clock, 1000)) {
            long[] times = {1000, 1005, 1010, 1020, 1030};
            String[] clients = {"a", "b", "a", "a", "a"};
            for (int i = 0; i < times.length; i++) {
                EventType type = i % 2 == 0 ? EventType.CONNECT : EventType.TCPCLEAN;
                log.append(new EventDraft(type, info(clients[i], "ch" + i), null, times[i])).join();
            }
        }
        try (RocksStore store = RocksStore.open(dir);
             RocksStatusLog log = RocksStatusLog.open(store, new PresenceRegistry(), "n1", clock, 1000)) {
            assertThat(clientOffsets(log, "a", 0, false, 1005, 1025)).containsExactly(3L, 4L);
            assertThat(clientOffsets(log, "a", 3, false, 0, Long.MAX_VALUE)).containsExactly(4L, 5L);
            assertThat(clientOffsets(log, "a", 5, true, 0, Long.MAX_VALUE)).containsExactly(4L, 3L, 1L);
            assertThat(clientOffsets(log, "b", 0, false, 0, Long.MAX_VALUE)).containsExactly(2L);
            assertThat(clientOffsets(log, "nobody", 0, false, 0, Long.MAX_VALUE)).isEmpty();
            List<Long> versions = new ArrayList<>();
            log.readClient("a", 0, false, 0, Long.MAX_VALUE, e -> versions.add(e.event().version()));
            assertThat(versions).containsExactly(1L, 2L, 3L, 4L);
            List<Long> first = new ArrayList<>();
            log.readClient("a", Long.MAX_VALUE, true, 0, Long.MAX_VALUE, e -> !first.add(e.offset()));
            assertThat(first).containsExactly(5L);

            log.applyRetention(Duration.ofMillis(clock.millis() - 1015), 0).join();
            assertThat(log.firstOffset()).isEqualTo(4);
            assertThat(clientOffsets(log, "a", 0, false, 0, Long.MAX_VALUE)).containsExactly(4L, 5L);
            assertThat(clientOffsets(log, "a", Long.MAX_VALUE, true, 0, Long.MAX_VALUE)).containsExactly(5L, 4L);
            assertThat(clientOffsets(log, "b", 0, false, 0, Long.MAX_VALUE)).isEmpty();
        }
    }

    private static List<Long> clientOffsets(RocksStatusLog log, String clientId, long after, boolean reverse,
                                            long begin, long end) {
        List<Long> offsets = new ArrayList<>();
        log.readClient(clientId, after, reverse, begin, end, e -> offsets.add(e.offset()));
        return offsets;
    }

    @Test
    void retention_boundsRefusedAttempts_byAgeEvenWithNoEventToDrop_andByCountOldestFirst() {
        try (RocksStore store = RocksStore.open(dir)) {
            try (RocksStatusLog log = RocksStatusLog.open(store, new PresenceRegistry(), "n1", clock, 1000)) {
                log.maxRejectedRows(3);
                long now = clock.millis();
                log.recordRejected(new RejectedConnect("x", "old", "1.2.3.4:1", now - 10_000, "not_authorized", null));
                for (int i = 5; i >= 1; i--) {
                    log.recordRejected(new RejectedConnect("x", "r" + i, "1.2.3.4:1", now - i, "not_authorized", null));
                }
                log.append(draft(EventType.CONNECT, "y", "chy", null)).join(); // written after the attempts
                log.applyRetention(Duration.ofSeconds(5), 0).join();

                List<String> left = new ArrayList<>();
                log.readRejected("x", 0, Long.MAX_VALUE, r -> left.add(r.channelId()));
                assertThat(left).containsExactlyInAnyOrder("r3", "r2", "r1");
            }
        }
    }

    @Test
    void retention_forgetsClientsUnseenLongerThanIt_aReturningClientContinuesItsVersions() {
        try (RocksStore store = RocksStore.open(dir)) {
            PresenceRegistry presence = new PresenceRegistry();
            try (RocksStatusLog log = RocksStatusLog.open(store, presence, "n1", clock, 1000)) {
                log.append(draft(EventType.CONNECT, "gone", "ch1", null)).join();
                log.append(draft(EventType.TCPCLEAN, "gone", "ch1", DisconnectReason.CONNECTION_LOST)).join();
                log.append(draft(EventType.CONNECT, "here", "ch2", null)).join();
                log.applyRetention(Duration.ZERO.minusMillis(1), 0).join(); // everything is older than "now + 1 ms"

                assertThat(presence.find("gone")).as("forgotten").isNull();
                assertThat(presence.size()).isEqualTo(1);
                assertThat(presence.find("here").online()).as("online clients are never forgotten").isTrue();
            }
        }
        try (RocksStore store = RocksStore.open(dir)) {
            PresenceRegistry presence = new PresenceRegistry();
            try (RocksStatusLog log = RocksStatusLog.open(store, presence, "n1", clock, 1000)) {
                assertThat(presence.find("gone")).as("still forgotten after a restart").isNull();

                StatusEvent back = log.append(draft(EventType.CONNECT, "gone", "ch3", null)).join();

                assertThat(back.version()).as("versions continue, never reused").isEqualTo(3);
                assertThat(presence.find("gone").version()).isEqualTo(3);
                assertThat(log.append(draft(EventType.CONNECT, "new", "ch4", null)).join().version()).isEqualTo(1);
            }
        }
    }

    @Test
    void retention_dropsOldEventsButNeverReusesOffsets() {
        try (RocksStore store = RocksStore.open(dir)) {
            try (RocksStatusLog log = RocksStatusLog.open(store, new PresenceRegistry(), "n1", clock, 1000)) {
                log.append(draft(EventType.CONNECT, "c", "ch1", null)).join();
                log.append(draft(EventType.TCPCLEAN, "c", "ch1", DisconnectReason.CONNECTION_LOST)).join();
                log.applyRetention(Duration.ZERO.minusMillis(1), 0).join(); // everything is older than "now + 1 ms"
                assertThat(log.firstOffset()).isEqualTo(3);
                List<StoredEvent> none = new ArrayList<>();
                log.read(0, 10, EventFilter.ALL, none::add);
                assertThat(none).isEmpty();
            }
        }
        try (RocksStore store = RocksStore.open(dir)) {
            PresenceRegistry presence = new PresenceRegistry();
            try (RocksStatusLog log = RocksStatusLog.open(store, presence, "n1", clock, 1000)) {
                StatusEvent next = log.append(draft(EventType.CONNECT, "c", "ch2", null)).join();
                assertThat(next.offset()).isEqualTo(3);
                assertThat(next.version()).isEqualTo(3);
            }
        }
    }
}
