package io.pulsemq.broker.api;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The nonces of signed requests seen recently, per access key, to refuse replayed requests. Each is remembered
 * for {@code ttlMillis} (longer than the timestamp window, so a request is refused by one check or the other), at
 * most {@code capacityPerKey} per access key at a time: one key's flood fills only its own share and never makes
 * another key's requests fail or its nonces be forgotten. Callers pass only the IDs of configured keys whose
 * signature verified, so the number of keys is bounded by the configuration. Entries of a key are kept in arrival
 * order and expire from the head. Thread-safe; keys do not contend with each other.
 */
final class NonceCache {

    private final long ttlMillis;
    private final int capacityPerKey;
    private final Map<String, KeyNonces> byKey = new ConcurrentHashMap<>();

    NonceCache(long ttlMillis, int capacityPerKey) {
        this.ttlMillis = ttlMillis;
        this.capacityPerKey = capacityPerKey;
    }

    /** The outcome of {@link #remember}. */
    enum Result {
        /** First use: remembered. */
        NEW,
        /** Seen within the TTL. */
        REPLAYED,
        /** Too many unexpired nonces of this access key; nothing remembered. */
        FULL
    }

    /** Remembers a nonce of an access key at {@code nowMillis}, unless it was seen before. */
    Result remember(String accessKeyId, String nonce, long nowMillis) {
        return byKey.computeIfAbsent(accessKeyId, id -> new KeyNonces()).remember(nonce, nowMillis);
    }

    /** Unexpired nonces remembered, over all keys. */
    int size() {
        return byKey.values().stream().mapToInt(KeyNonces::size).sum();
    }

    /** One access key's nonces; its own lock. */
    private final class KeyNonces {
        private final LinkedHashMap<String, Long> expiries = new LinkedHashMap<>();
        /** The expiry given last; never decreases, so the map stays ordered by expiry. */
        private long lastExpiry = Long.MIN_VALUE;

        synchronized Result remember(String nonce, long nowMillis) {
            Iterator<Map.Entry<String, Long>> it = expiries.entrySet().iterator();
            while (it.hasNext()) {
                if (it.next().getValue() > nowMillis) {
                    break;
                }
                it.remove();
            }
            if (expiries.containsKey(nonce)) {
                return Result.REPLAYED;
            }
            if (expiries.size() >= capacityPerKey) {
                return Result.FULL;
            }
            // Expiries never decrease, so the head is always the first to expire; a clock step back only delays it.
            lastExpiry = Math.max(lastExpiry, nowMillis + ttlMillis);
            expiries.put(nonce, lastExpiry);
            return Result.NEW;
        }

        synchronized int size() {
            return expiries.size();
        }
    }
}
