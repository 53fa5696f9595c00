package io.pulsemq.broker.limits;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts what holds a slot (admitted MQTT connections, open event streams), in all and per key (a source address,
 * an access key), against {@code max} and {@code maxPerKey} (0: no limit). A slot is taken when something is
 * admitted and given back exactly once when it ends, so the counts never drift. Thread-safe: the total is one
 * {@link AtomicInteger} (compare-and-set, never past the limit), the per-key counts a {@link ConcurrentHashMap}
 * whose entries vanish with their last holder; without a per-key limit the map is not touched.
 *
 * @param <K> the key
 */
public final class Slots<K> {

    /** The answer of {@link #tryAcquire}. */
    public enum Outcome {
        /** A slot was taken; give it back with {@link #release}. */
        ADMITTED,
        /** {@code max} slots are taken: nothing was taken. */
        OVER_TOTAL,
        /** The key holds {@code maxPerKey} slots: nothing was taken. */
        OVER_KEY
    }

    private final int max;
    private final int maxPerKey;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<K, Integer> perKey = new ConcurrentHashMap<>();

    /**
     * @param max       most slots in all; 0: no limit
     * @param maxPerKey most slots of one key; 0: no limit
     */
    public Slots(int max, int maxPerKey) {
        if (max < 0 || maxPerKey < 0) {
            throw new IllegalArgumentException("max " + max + ", maxPerKey " + maxPerKey);
        }
        this.max = max;
        this.maxPerKey = maxPerKey;
    }

    /**
     * Takes a slot for {@code key} (null: unknown, counted only in the total).
     */
    public Outcome tryAcquire(K key) {
        while (true) {
            int n = total.get();
            if (max > 0 && n >= max) {
                return Outcome.OVER_TOTAL;
            }
            if (total.compareAndSet(n, n + 1)) {
                break;
            }
        }
        if (!takeForKey(key)) {
            total.decrementAndGet();
            return Outcome.OVER_KEY;
        }
        return Outcome.ADMITTED;
    }

    /**
     * Counts for {@code key} a slot that {@link #tryAcquire} took for null, the key being known only later (the
     * client address a PROXY protocol header names, read after the accept). The total is not touched.
     *
     * @return {@link Outcome#ADMITTED}: the slot is now {@code key}'s, give it back with {@code release(key)};
     *         {@link Outcome#OVER_KEY}: {@code key} holds {@code maxPerKey} slots, and the slot stays taken for null
     */
    public Outcome tryAddKey(K key) {
        return takeForKey(key) ? Outcome.ADMITTED : Outcome.OVER_KEY;
    }

    /** Adds one to {@code key}'s count unless it holds {@code maxPerKey}; true without a per-key limit or key. */
    private boolean takeForKey(K key) {
        if (maxPerKey == 0 || key == null) {
            return true;
        }
        boolean[] taken = new boolean[1];
        perKey.compute(key, (k, n) -> {
            int held = n == null ? 0 : n;
            if (held >= maxPerKey) {
                return n;
            }
            taken[0] = true;
            return held + 1;
        });
        return taken[0];
    }

    /**
     * What {@link #tryAcquire} would answer now, taking nothing: for answering a refusal before the slot can be
     * taken (an HTTP stream takes it only once its response starts). A later {@link #tryAcquire} may still fail.
     */
    public Outcome check(K key) {
        if (max > 0 && total.get() >= max) {
            return Outcome.OVER_TOTAL;
        }
        if (maxPerKey > 0 && key != null && inUse(key) >= maxPerKey) {
            return Outcome.OVER_KEY;
        }
        return Outcome.ADMITTED;
    }

    /** Gives back the slot {@link #tryAcquire} took for {@code key}. */
    public void release(K key) {
        total.decrementAndGet();
        if (maxPerKey > 0 && key != null) {
            perKey.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    /** Slots taken. */
    public int inUse() {
        return total.get();
    }

    /** Slots taken for {@code key} (0 without a per-key limit). */
    public int inUse(K key) {
        Integer n = perKey.get(key);
        return n == null ? 0 : n;
    }
}
