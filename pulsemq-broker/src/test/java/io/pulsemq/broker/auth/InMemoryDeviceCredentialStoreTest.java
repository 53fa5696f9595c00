package io.pulsemq.broker.auth;

class InMemoryDeviceCredentialStoreTest extends DeviceCredentialStoreContract {

    @Override
    protected DeviceCredentialStore newStore() {
        return DeviceCredentialStore.inMemory();
    }

    @Override
    protected DeviceCredentialStore reopened() {
        return store; // the heap is what a "restart" of an embedded broker keeps
    }
}
