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

    @Override
    protected SessionStore newStore() {
        rocks = RocksStore.open(dataDir);
        return new RocksSessionStore(rocks);
    }

    @AfterEach
    void closeRocks() {
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
        rocks.put(ColumnFamily.SESSIONS, "c".getBytes(), new byte[] {9, 1, 2});

        assertThatThrownBy(this::loadAll)
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("'sessions'")
                .hasMessageContaining("\"c\"")
                .hasMessageContaining("version 9");
    }

    private void reopen() {
        rocks.close();
        store = newStore();
    }
}
