package io.pulsemq.broker.api;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code SignatureNonce}s seen recently, to refuse replayed RPC requests. Each is remembered for
 * {@code ttlMillis} (longer than the timestamp window, so a request is refused by one check or the other), at
 * most {@code capacity} at a time. Entries are kept in arrival order and expire from the head. Thread-safe.
 */
final class NonceCache {

    private final long ttlMillis;
    private final int capacity;
    private final LinkedHashMap<String, Long> expiries = new LinkedHashMap<>();
    /** The expiry given last; never decreases, so the map stays ordered by expiry. */
    private long lastExpiry = Long.MIN_VALUE;

    NonceCache(long ttlMillis, int capacity) {
        this.ttlMillis = ttlMillis;
        this.capacity = capacity;
    }

    /** The outcome of {@link #remember}. */
    enum Result {
        /** First use: remembered. */
        NEW,
        /** Seen within the TTL. */
        REPLAYED,
        /** Too many unexpired nonces; nothing remembered. */
        FULL
    }

    /** Remembers a nonce of an access key at {@code nowMillis}, unless it was seen before. */
    synchronized Result remember(String accessKeyId, String nonce, long nowMillis) {
        Iterator<Map.Entry<String, Long>> it = expiries.entrySet().iterator();
        while (it.hasNext()) {
            if (it.next().getValue() > nowMillis) {
                break;
            }
            it.remove();
        }
        String key = accessKeyId + '\n' + nonce;
        if (expiries.containsKey(key)) {
            return Result.REPLAYED;
        }
        if (expiries.size() >= capacity) {
            return Result.FULL;
        }
        // Expiries never decrease, so the head is always the first to expire; a clock step back only delays it.
        lastExpiry = Math.max(lastExpiry, nowMillis + ttlMillis);
        expiries.put(key, lastExpiry);
        return Result.NEW;
    }

    synchronized int size() {
        return expiries.size();
    }
}
