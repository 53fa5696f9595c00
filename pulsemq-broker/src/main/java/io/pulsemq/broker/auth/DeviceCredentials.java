package io.pulsemq.broker.auth;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The device credentials of this broker: registered, refreshed and revoked by backends (HTTP API, ApsaraMQ RPC
 * actions, CLI), looked up by every {@code DeviceCredential|...} CONNECT.
 *
 * <p>Lookups are lock-free map reads, so they may run on event loops. Changes are serialized on this object, go to
 * the {@link DeviceCredentialStore} first and to memory only once stored, so an answered registration survives a
 * crash and a failed store write changes nothing. A client ID has at most one credential (ApsaraMQ: registering again
 * replaces it, and the last one returned is the one that works).
 */
public final class DeviceCredentials {

    /** Prefix of generated key IDs and secrets, as ApsaraMQ writes them. */
    static final String PREFIX = "DC.";
    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    /** 22 characters of a 62-letter alphabet: 131 bits for IDs. */
    private static final int ID_LENGTH = 22;
    /** 32 characters of a 62-letter alphabet: 190 bits for secrets. */
    private static final int SECRET_LENGTH = 32;

    private final DeviceCredentialStore store;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<String, DeviceCredential> byKeyId = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, DeviceCredential> byClientId = new ConcurrentHashMap<>();

    public DeviceCredentials(DeviceCredentialStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Credentials kept on the heap only. */
    public static DeviceCredentials inMemory(Clock clock) {
        return new DeviceCredentials(DeviceCredentialStore.inMemory(), clock);
    }

    /** Loads the stored credentials; answers how many. */
    public synchronized int load() {
        for (DeviceCredential c : store.loadAll()) {
            remember(c);
        }
        return byClientId.size();
    }

    /** The credential with this key ID, for authentication. */
    public Optional<DeviceCredential> byAccessKeyId(String accessKeyId) {
        return Optional.ofNullable(byKeyId.get(accessKeyId));
    }

    /** The credential of this client ID. */
    public Optional<DeviceCredential> of(String clientId) {
        return Optional.ofNullable(byClientId.get(clientId));
    }

    /** Number of client IDs with a credential. */
    public int size() {
        return byClientId.size();
    }

    /**
     * Issues a new key ID and secret for {@code clientId}, replacing (and so revoking) the one it had; the creation
     * time of the first registration is kept.
     */
    public synchronized Change register(String clientId) {
        DeviceCredential old = byClientId.get(clientId);
        long now = clock.millis();
        DeviceCredential fresh = new DeviceCredential(clientId, newKeyId(), PREFIX + randomText(SECRET_LENGTH),
                old == null ? now : old.createdAt(), now);
        store.put(fresh);
        if (old != null) {
            byKeyId.remove(old.accessKeyId());
        }
        remember(fresh);
        return new Change(fresh, old);
    }

    /** Replaces the key ID and secret of a client ID that has a credential; empty if it has none. */
    public synchronized Optional<Change> refresh(String clientId) {
        return byClientId.containsKey(clientId) ? Optional.of(register(clientId)) : Optional.empty();
    }

    /** Deletes a client ID's credential; answers the one deleted, empty if it had none. */
    public synchronized Optional<DeviceCredential> revoke(String clientId) {
        DeviceCredential old = byClientId.get(clientId);
        if (old == null) {
            return Optional.empty();
        }
        store.delete(clientId);
        byClientId.remove(clientId);
        byKeyId.remove(old.accessKeyId());
        return Optional.of(old);
    }

    /**
     * Puts a credential another cluster node issued in force here (memory only; it replaces this client ID's one).
     *
     * @return the credential it replaced, or null
     */
    public synchronized DeviceCredential applyIssued(DeviceCredential c) {
        DeviceCredential old = byClientId.get(c.clientId());
        if (old != null && !old.accessKeyId().equals(c.accessKeyId())) {
            byKeyId.remove(old.accessKeyId());
        }
        remember(c);
        return old == null || old.accessKeyId().equals(c.accessKeyId()) ? null : old;
    }

    /** Withdraws a credential another cluster node revoked (memory only); answers it, or null if it had none. */
    public synchronized DeviceCredential applyRevoked(String clientId) {
        DeviceCredential old = byClientId.remove(clientId);
        if (old != null) {
            byKeyId.remove(old.accessKeyId());
        }
        return old;
    }

    private void remember(DeviceCredential c) {
        byClientId.put(c.clientId(), c);
        byKeyId.put(c.accessKeyId(), c);
    }

    private String newKeyId() {
        String id;
        do {
            id = PREFIX + randomText(ID_LENGTH);
        } while (byKeyId.containsKey(id));
        return id;
    }

    private String randomText(int length) {
        char[] text = new char[length];
        for (int i = 0; i < length; i++) {
            text[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return new String(text);
    }

    /**
     * The result of a registration or refresh.
     *
     * @param current  the credential now in force
     * @param replaced the one it replaced (no longer accepted), or null
     */
    public record Change(DeviceCredential current, DeviceCredential replaced) {
    }
}
