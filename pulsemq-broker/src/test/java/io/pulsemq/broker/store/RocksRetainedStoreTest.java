package io.pulsemq.broker.store;

import io.pulsemq.broker.message.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RocksRetainedStoreTest {

    @TempDir
    Path dataDir;

    @Test
    void put_isInIndexAtOnce_andLoadedIntoAFreshIndexAfterReopen() {
        try (RocksStore rocks = RocksStore.open(dataDir); StoreWriter writer = new StoreWriter(rocks, 1 << 20)) {
            RocksRetainedStore retained = new RocksRetainedStore(rocks, writer, new MapRetainedIndex());
            retained.put(message("home/kitchen/temp", "21"));
            retained.put(message("home/hall/temp", "19"));

            assertThat(payloads(retained, "home/+/temp")).containsExactlyInAnyOrder("21", "19");
        }

        try (RocksStore rocks = RocksStore.open(dataDir); StoreWriter writer = new StoreWriter(rocks, 1 << 20)) {
            MapRetainedIndex index = new MapRetainedIndex();
            RocksRetainedStore retained = new RocksRetainedStore(rocks, writer, index);

            assertThat(index.size()).isEqualTo(2);
            assertThat(retained.size()).isEqualTo(2);
            assertThat(payloads(retained, "home/kitchen/temp")).containsExactly("21");
        }
    }

    @Test
    void put_sameTopic_keepsOnlyTheLatestAcrossReopen() {
        try (RocksStore rocks = RocksStore.open(dataDir); StoreWriter writer = new StoreWriter(rocks, 1 << 20)) {
            RocksRetainedStore retained = new RocksRetainedStore(rocks, writer, new MapRetainedIndex());
            retained.put(message("t", "old"));
            retained.put(message("t", "new"));
        }

        try (RocksStore rocks = RocksStore.open(dataDir); StoreWriter writer = new StoreWriter(rocks, 1 << 20)) {
            RocksRetainedStore retained = new RocksRetainedStore(rocks, writer, new MapRetainedIndex());

            assertThat(payloads(retained, "#")).containsExactly("new");
        }
    }

    @Test
    void remove_removesFromIndexAndStaysRemovedAfterReopen() {
        try (RocksStore rocks = RocksStore.open(dataDir); StoreWriter writer = new StoreWriter(rocks, 1 << 20)) {
            RocksRetainedStore retained = new RocksRetainedStore(rocks, writer, new MapRetainedIndex());
            retained.put(message("a", "1"));
            retained.put(message("b", "2"));

            retained.remove("a");

            assertThat(payloads(retained, "#")).containsExactly("2");
        }

        try (RocksStore rocks = RocksStore.open(dataDir); StoreWriter writer = new StoreWriter(rocks, 1 << 20)) {
            RocksRetainedStore retained = new RocksRetainedStore(rocks, writer, new MapRetainedIndex());

            assertThat(payloads(retained, "#")).containsExactly("2");
        }
    }

    private static Message message(String topic, String payload) {
        return Message.of(topic, 1, true, payload.getBytes(StandardCharsets.UTF_8), "pub", 1_700_000_000_000L);
    }

    private static List<String> payloads(RocksRetainedStore retained, String filter) {
        List<String> payloads = new ArrayList<>();
        retained.match(filter, message -> payloads.add(new String(message.payload(), StandardCharsets.UTF_8)));
        return payloads;
    }
}
