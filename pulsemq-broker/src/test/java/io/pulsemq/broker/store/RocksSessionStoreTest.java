package io.pulsemq.broker.store;

import io.pulsemq.broker.session.SessionStore;
import io.pulsemq.broker.session.SessionStore.StoredSession;
import io.pulsemq.broker.session.SessionStoreContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RocksSessionStoreTest extends SessionStoreContract {

    @TempDir
    Path dataDir;

    private RocksStore rocks;
    private StoreWriter writer;

    @Override
    protected SessionStore newStore() {
        rocks = RocksStore.open(dataDir);
        writer = new StoreWriter(rocks, 1 << 20);
        return new RocksSessionStore(rocks, writer);
    }

    @AfterEach
    void closeRocks() {
        writer.close();
        rocks.close();
    }

    @Test
    void loadAll_afterReopen_returnsEverythingSaved() {
        saveFullSession("a");
        saveFullSession("ab");
        store.removeOutbound("ab", 1);

        reopen();

        Map<String, StoredSession> loaded = loadAll();
        assertThat(loaded).containsOnlyKeys("a", "ab");
        assertThat(loaded.get("a").subscriptions()).hasSize(2);
        assertThat(outbound("a")).extracting(SessionStore.OutboundMessage::seq).containsExactly(1L, 2L);
        assertThat(loaded.get("a").outbound().count()).isEqualTo(2);
        assertThat(loaded.get("a").inboundQos2()).containsExactly(10, 11);
        assertThat(outbound("ab")).extracting(SessionStore.OutboundMessage::seq).containsExactly(2L);
        assertThat(loaded.get("ab").outbound()).isEqualTo(new SessionStore.OutboundSummary(0, 0, 1, 2, 2));
    }

    @Test
    void removeSession_staysRemovedAfterReopen() {
        saveFullSession("a");
        saveFullSession("ab");
        store.removeSession("a");

        reopen();

        assertThat(loadAll()).containsOnlyKeys("ab");
    }

    @Test
    void saveSession_clientIdWithNul_isRejected() {
        assertThatThrownBy(() -> store.saveSession(meta("a\u0000b")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("U+0000");
    }

    @Test
    void loadAll_corruptRecord_failsNamingColumnFamilyAndKey() {
        store.saveSession(meta("c"));
        writer.flush();
        rocks.put(ColumnFamily.SESSIONS, "c".getBytes(), new byte[] {9, 1, 2});

        assertThatThrownBy(this::loadAll)
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("'sessions'")
                .hasMessageContaining("\"c\"")
                .hasMessageContaining("version 9");
    }

    @Test
    void loadOutbound_whileTheWriterIsStalled_seesEveryChangeMadeBefore() throws Exception {
        store.saveSession(meta("c"));
        store.saveOutbound("c", outbound(1));
        store.saveOutbound("c", outbound(2));
        writer.flush(); // 1 and 2 in RocksDB
        try (WriterStall stall = WriterStall.of(writer)) {
            store.saveOutbound("c", outbound(3));
            store.saveOutbound("c", outbound(4));
            store.removeOutbound("c", 1); // stored, its deletion waits
            store.removeOutbound("c", 3); // waits, and so does its deletion
            store.saveOutbound("c", outbound(2).with(SessionStore.OutboundState.SENT, 5)); // replaces a stored one

            assertThat(outbound("c")).extracting(SessionStore.OutboundMessage::seq).containsExactly(2L, 4L);
            assertThat(outbound("c").get(0).packetId()).isEqualTo(5);
            // the deletions ahead of the page do not make it short
            assertThat(store.loadOutbound("c", 1, 1)).extracting(SessionStore.OutboundMessage::seq).containsExactly(2L);
            assertThat(store.loadOutbound("c", 3, 10)).extracting(SessionStore.OutboundMessage::seq).containsExactly(4L);
        }
        writer.flush();

        assertThat(outbound("c")).extracting(SessionStore.OutboundMessage::seq).containsExactly(2L, 4L);
        assertThat(writer.pendingBytes()).isZero();
    }

    @Test
    void loadOutbound_afterARemoveSessionStillWaiting_seesOnlyWhatCameAfter() throws Exception {
        saveFullSession("c");
        writer.flush();
        try (WriterStall stall = WriterStall.of(writer)) {
            store.removeSession("c");
            assertThat(outbound("c")).isEmpty();

            store.saveSession(meta("c"));
            store.saveOutbound("c", outbound(7));
            assertThat(outbound("c")).extracting(SessionStore.OutboundMessage::seq).containsExactly(7L);
        }
        writer.flush();

        assertThat(outbound("c")).extracting(SessionStore.OutboundMessage::seq).containsExactly(7L);
    }

    private void reopen() {
        writer.close();
        rocks.close();
        store = newStore();
    }
}
