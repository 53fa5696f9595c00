package io.pulsemq.broker.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.WriteBatch;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RocksStoreTest {

    @TempDir
    Path dataDir;

    @Test
    void open_missingDirectories_createsStoreUnderDataDir() {
        Path nested = dataDir.resolve("x/y");
        try (RocksStore store = RocksStore.open(nested)) {
            assertThat(store.path()).isEqualTo(nested.resolve("store").toAbsolutePath());
            assertThat(store.path().resolve("CURRENT")).exists();
        }
    }

    @Test
    void writeDurably_appliesTheBatchAtomically_andItIsThereAfterReopening() {
        try (RocksStore store = RocksStore.open(dataDir)) {
            store.put(ColumnFamily.STATUS_LOG, bytes("gone"), bytes("x"));
            try (RocksStore.Batch b = store.newBatch()) {
                b.put(ColumnFamily.STATUS_LOG, bytes("e1"), bytes("event"));
                b.put(ColumnFamily.PRESENCE, bytes("c1"), bytes("online"));
                b.delete(ColumnFamily.STATUS_LOG, bytes("gone"));
                store.writeDurably(b);
            }
            assertThat(store.get(ColumnFamily.STATUS_LOG, bytes("e1"))).isEqualTo(bytes("event"));
        }
        try (RocksStore store = RocksStore.open(dataDir)) {
            assertThat(store.get(ColumnFamily.STATUS_LOG, bytes("e1"))).isEqualTo(bytes("event"));
            assertThat(store.get(ColumnFamily.PRESENCE, bytes("c1"))).isEqualTo(bytes("online"));
            assertThat(store.get(ColumnFamily.STATUS_LOG, bytes("gone"))).isNull();
        }
    }

    @Test
    void put_sameKeyInTwoColumnFamilies_keepsThemApart() {
        try (RocksStore store = RocksStore.open(dataDir)) {
            store.put(ColumnFamily.SESSIONS, bytes("k"), bytes("session"));
            store.put(ColumnFamily.RETAINED, bytes("k"), bytes("retained"));

            store.delete(ColumnFamily.SESSIONS, bytes("k"));

            assertThat(store.get(ColumnFamily.SESSIONS, bytes("k"))).isNull();
            assertThat(store.get(ColumnFamily.RETAINED, bytes("k"))).isEqualTo(bytes("retained"));
        }
    }

    @Test
    void scanPrefix_passesExactlyTheKeysWithThePrefix_inOrder() {
        try (RocksStore store = RocksStore.open(dataDir)) {
            for (String key : List.of("a\u0000z", "ab\u0000x", "a\u0000b", "a", "b\u0000a", "`\u0000a")) {
                store.put(ColumnFamily.SUBSCRIPTIONS, bytes(key), bytes(key));
            }
            byte[] allFf = {(byte) 0xFF, (byte) 0xFF};
            store.put(ColumnFamily.SUBSCRIPTIONS, allFf, bytes("ff"));

            assertThat(scanPrefix(store, bytes("a\u0000"))).containsExactly("a\u0000b", "a\u0000z");
            assertThat(scanPrefix(store, new byte[] {(byte) 0xFF})).containsExactly("ff");
        }
    }

    @Test
    void batch_deletePrefix_removesOnlyThatPrefixAtomicallyWithOtherChanges() {
        try (RocksStore store = RocksStore.open(dataDir)) {
            for (String key : List.of("a\u0000" + 1, "a\u0000" + 2, "ab\u00001", "a")) {
                store.put(ColumnFamily.OUTBOUND, bytes(key), bytes(key));
            }
            try (RocksStore.Batch batch = store.newBatch()) {
                batch.deletePrefix(ColumnFamily.OUTBOUND, bytes("a\u0000"))
                        .put(ColumnFamily.META, bytes("m"), bytes("v"));
                assertThat(batch.count()).isEqualTo(2);
                store.writeDurably(batch);
            }

            List<String> keys = new ArrayList<>();
            store.scan(ColumnFamily.OUTBOUND, (key, value) -> keys.add(string(key)));
            assertThat(keys).containsExactly("a", "ab\u00001");
            assertThat(store.getMeta("m")).isEqualTo(bytes("v"));
        }
    }

    @Test
    void batch_deletePrefixWithoutEnd_isRejected() {
        try (RocksStore store = RocksStore.open(dataDir); RocksStore.Batch batch = store.newBatch()) {
            assertThatThrownBy(() -> batch.deletePrefix(ColumnFamily.OUTBOUND, new byte[0]))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void reopen_afterClose_keepsEveryKindOfWrite() throws Exception {
        try (RocksStore store = RocksStore.open(dataDir)) {
            store.put(ColumnFamily.SESSIONS, bytes("plain"), bytes("1"));
            store.putMeta("instance", bytes("pulse-1"));
            try (RocksStore.Batch batch = store.newBatch()) {
                store.write(batch.put(ColumnFamily.RETAINED, bytes("batched"), bytes("2")));
            }
            try (WriteBatch raw = new WriteBatch()) {
                raw.put(store.handle(ColumnFamily.INBOUND_QOS2), bytes("synced"), bytes("3"));
                store.writeDurably(raw);
            }
            store.flushWal(true);
        }

        try (RocksStore store = RocksStore.open(dataDir)) {
            assertThat(store.get(ColumnFamily.SESSIONS, bytes("plain"))).isEqualTo(bytes("1"));
            assertThat(store.getMeta("instance")).isEqualTo(bytes("pulse-1"));
            assertThat(store.get(ColumnFamily.RETAINED, bytes("batched"))).isEqualTo(bytes("2"));
            assertThat(store.get(ColumnFamily.INBOUND_QOS2, bytes("synced"))).isEqualTo(bytes("3"));
        }
    }

    @Test
    void open_directoryAlreadyOpen_failsNamingTheDirectory() {
        try (RocksStore first = RocksStore.open(dataDir)) {
            assertThatThrownBy(() -> RocksStore.open(dataDir))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining(first.path().toString())
                    .hasMessageContaining("locked");
        }
        RocksStore.open(dataDir).close();
    }

    @Test
    void open_storeOfNewerFormat_failsClearly() {
        try (RocksStore store = RocksStore.open(dataDir)) {
            store.putMeta(RocksStore.FORMAT_VERSION_KEY,
                    ByteBuffer.allocate(4).putInt(RocksStore.FORMAT_VERSION + 1).array());
        }

        assertThatThrownBy(() -> RocksStore.open(dataDir))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("format version " + (RocksStore.FORMAT_VERSION + 1))
                .hasMessageContaining("newer broker");
        // The failed open released the lock: a second attempt fails for the same reason, not a lock.
        assertThatThrownBy(() -> RocksStore.open(dataDir)).hasMessageContaining("newer broker");
    }

    @Test
    void open_storeOfOlderPreReleaseFormat_failsClearly() {
        try (RocksStore store = RocksStore.open(dataDir)) {
            store.putMeta(RocksStore.FORMAT_VERSION_KEY,
                    ByteBuffer.allocate(4).putInt(RocksStore.FORMAT_VERSION - 1).array());
        }

        assertThatThrownBy(() -> RocksStore.open(dataDir))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("format version " + (RocksStore.FORMAT_VERSION - 1))
                .hasMessageContaining("pre-release");
    }

    @Test
    void close_twice_isHarmless_andLaterUseFailsClearly() {
        RocksStore store = RocksStore.open(dataDir);
        store.close();
        store.close();

        assertThatThrownBy(() -> store.get(ColumnFamily.META, bytes("k")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void cursor_boundsAndSeek_stayWithinRange() {
        try (RocksStore store = RocksStore.open(dataDir)) {
            for (String key : List.of("a", "b", "c", "d", "e")) {
                store.put(ColumnFamily.META, bytes(key), bytes(key));
            }
            List<String> keys = new ArrayList<>();
            try (RocksStore.Cursor cursor = store.cursor(ColumnFamily.META, bytes("b"), bytes("e"))) {
                cursor.seek(bytes("c"));
                for (; cursor.valid(); cursor.next()) {
                    keys.add(string(cursor.key()));
                }
            }
            assertThat(keys).containsExactly("c", "d");
        }
    }

    @Test
    void prefixEnd_isTheSmallestKeyAfterThePrefix() {
        assertThat(RocksStore.prefixEnd(new byte[] {0x61, 0x00})).containsExactly(0x61, 0x01);
        assertThat(RocksStore.prefixEnd(new byte[] {0x61, (byte) 0xFF})).containsExactly(0x62);
        assertThat(RocksStore.prefixEnd(new byte[] {(byte) 0xFF})).isNull();
        assertThat(RocksStore.prefixEnd(new byte[0])).isNull();
    }

    private static List<String> scanPrefix(RocksStore store, byte[] prefix) {
        List<String> values = new ArrayList<>();
        store.scanPrefix(ColumnFamily.SUBSCRIPTIONS, prefix, (key, value) -> values.add(string(value)));
        return values;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
