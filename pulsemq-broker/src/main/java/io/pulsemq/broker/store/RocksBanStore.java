package io.pulsemq.broker.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pulsemq.broker.auth.Ban;
import io.pulsemq.broker.auth.BanStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Bans in the {@link ColumnFamily#BANS} column family: key {@code kind, 0x00, value}, value the ban as JSON
 * ({@code until} and {@code at} as epoch milliseconds, {@code until} absent for a permanent ban). Writes go
 * through the WAL and are synced ({@link RocksStore#writeDurably}), so an answered {@code POST /bans} survives
 * a crash.
 */
public final class RocksBanStore implements BanStore {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final RocksStore store;

    public RocksBanStore(RocksStore store) {
        this.store = store;
    }

    @Override
    public List<Ban> loadAll() {
        List<Ban> bans = new ArrayList<>();
        store.scan(ColumnFamily.BANS, (key, value) -> {
            try {
                Stored s = MAPPER.readValue(value, Stored.class);
                Ban.Kind kind = Ban.Kind.parse(s.kind());
                if (kind != null) {
                    bans.add(new Ban(kind, s.value(), s.until() == null ? null : Instant.ofEpochMilli(s.until()),
                            s.reason(), s.by(), Instant.ofEpochMilli(s.at())));
                }
            } catch (IOException e) {
                throw new StoreException("unreadable ban " + new String(key, StandardCharsets.UTF_8), e);
            }
        });
        return bans;
    }

    @Override
    public void put(Ban ban) {
        Long until = ban.until() == null ? null : ban.until().toEpochMilli();
        Stored s = new Stored(ban.kind().wireName(), ban.value(), until, ban.reason(), ban.by(), ban.at().toEpochMilli());
        try (RocksStore.Batch batch = store.newBatch()) {
            batch.put(ColumnFamily.BANS, key(ban.kind(), ban.value()), MAPPER.writeValueAsBytes(s));
            store.writeDurably(batch);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void delete(Ban.Kind kind, String value) {
        try (RocksStore.Batch batch = store.newBatch()) {
            batch.delete(ColumnFamily.BANS, key(kind, value));
            store.writeDurably(batch);
        }
    }

    private static byte[] key(Ban.Kind kind, String value) {
        return (kind.wireName() + "\u0000" + value).getBytes(StandardCharsets.UTF_8);
    }

    /** The stored shape. */
    record Stored(String kind, String value, Long until, String reason, String by, long at) {
    }
}
