package io.pulsemq.broker.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pulsemq.broker.auth.DeviceCredential;
import io.pulsemq.broker.auth.DeviceCredentialStore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Device credentials in the {@link ColumnFamily#DEVICE_CREDENTIALS} column family: key the client ID, value the
 * credential as JSON. The secret is stored as issued (the broker needs it to check each device's HMAC), so the data
 * directory's mode 0700 is what protects it, as it protects {@code credentials.json}. Writes are synced
 * ({@link RocksStore#writeDurably}): an answered registration survives a crash.
 */
public final class RocksDeviceCredentialStore implements DeviceCredentialStore {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final RocksStore store;

    public RocksDeviceCredentialStore(RocksStore store) {
        this.store = store;
    }

    @Override
    public List<DeviceCredential> loadAll() {
        List<DeviceCredential> all = new ArrayList<>();
        store.scan(ColumnFamily.DEVICE_CREDENTIALS, (key, value) -> {
            String clientId = new String(key, StandardCharsets.UTF_8);
            try {
                Stored s = MAPPER.readValue(value, Stored.class);
                all.add(new DeviceCredential(clientId, s.accessKeyId(), s.secret(), s.createdAt(), s.updatedAt()));
            } catch (IOException e) {
                throw new StoreException("unreadable device credential of " + clientId, e);
            }
        });
        return all;
    }

    @Override
    public void put(DeviceCredential c) {
        Stored s = new Stored(c.accessKeyId(), c.secret(), c.createdAt(), c.updatedAt());
        try (RocksStore.Batch batch = store.newBatch()) {
            batch.put(ColumnFamily.DEVICE_CREDENTIALS, key(c.clientId()), MAPPER.writeValueAsBytes(s));
            store.writeDurably(batch);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void delete(String clientId) {
        try (RocksStore.Batch batch = store.newBatch()) {
            batch.delete(ColumnFamily.DEVICE_CREDENTIALS, key(clientId));
            store.writeDurably(batch);
        }
    }

    private static byte[] key(String clientId) {
        return clientId.getBytes(StandardCharsets.UTF_8);
    }

    /** The stored shape. */
    record Stored(String accessKeyId, String secret, long createdAt, long updatedAt) {
    }
}
