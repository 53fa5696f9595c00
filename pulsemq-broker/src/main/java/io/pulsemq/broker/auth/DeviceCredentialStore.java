package io.pulsemq.broker.auth;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where device credentials are kept so that they survive a restart. Writes are rare (a backend registering a
 * device), synchronous and durable once they return; they never run on an event loop. Reads happen once, at
 * start: {@link DeviceCredentials} answers every CONNECT from memory.
 */
public interface DeviceCredentialStore {

    /** Every stored credential, at most one per client ID. */
    List<DeviceCredential> loadAll();

    /** Stores a client ID's credential, replacing the one it had. */
    void put(DeviceCredential credential);

    /** Deletes a client ID's credential; nothing if there is none. */
    void delete(String clientId);

    /** A store on the heap (credentials live until the broker stops): for tests and embedded use. */
    static DeviceCredentialStore inMemory() {
        Map<String, DeviceCredential> map = new ConcurrentHashMap<>();
        return new DeviceCredentialStore() {
            @Override
            public List<DeviceCredential> loadAll() {
                return List.copyOf(map.values());
            }

            @Override
            public void put(DeviceCredential credential) {
                map.put(credential.clientId(), credential);
            }

            @Override
            public void delete(String clientId) {
                map.remove(clientId);
            }
        };
    }
}
