package io.pulsemq.broker.store;

import io.pulsemq.broker.auth.DeviceCredentialStore;
import io.pulsemq.broker.auth.DeviceCredentialStoreContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

class RocksDeviceCredentialStoreTest extends DeviceCredentialStoreContract {

    @TempDir
    Path dataDir;

    private RocksStore rocks;

    @Override
    protected DeviceCredentialStore newStore() {
        rocks = RocksStore.open(dataDir);
        return new RocksDeviceCredentialStore(rocks);
    }

    @Override
    protected DeviceCredentialStore reopened() {
        rocks.close();
        rocks = RocksStore.open(dataDir);
        return new RocksDeviceCredentialStore(rocks);
    }

    @AfterEach
    void closeRocks() {
        rocks.close();
    }
}
