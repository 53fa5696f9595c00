package io.pulsemq.broker.limits;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket shared by every event loop: {@code rate} permits per second, of which up to {@code burst} may be
 * taken at once. Implemented as the generic cell rate algorithm: one {@link AtomicLong} holds the theoretical
 * arrival time of the next permit, so {@link #tryAcquire} is one read and one compare-and-set, no lock and no
 * allocation. Thread-safe.
 */
public final class RateLimiter {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long intervalNanos;
    private final long toleranceNanos;
    private final AtomicLong nextFree = new AtomicLong(Long.MIN_VALUE / 2);

    private RateLimiter(long intervalNanos, long toleranceNanos) {
        this.intervalNanos = intervalNanos;
        this.toleranceNanos = toleranceNanos;
    }

    /**
     * A limiter of {@code rate} permits per second with bursts of {@code burst}; a {@code rate} of 0 means no limit.
     *
     * @throws IllegalArgumentException if {@code rate} is negative or {@code burst} is below 1 while limited
     */
    public static RateLimiter perSecond(int rate, int burst) {
        if (rate < 0 || (rate > 0 && burst < 1)) {
            throw new IllegalArgumentException("rate " + rate + ", burst " + burst);
        }
        if (rate == 0) {
            return new RateLimiter(0, 0);
        }
        long interval = NANOS_PER_SECOND / rate;
        return new RateLimiter(interval, interval * (burst - 1L));
    }

    /** Whether this limiter limits at all ({@code rate} above 0). */
    public boolean limited() {
        return intervalNanos > 0;
    }

    /**
     * Takes one permit if one is free at {@code nowNanos} (any monotonic time base, the same for every call).
     *
     * @return false when the rate is exceeded: nothing was taken
     */
    public boolean tryAcquire(long nowNanos) {
        if (intervalNanos == 0) {
            return true;
        }
        while (true) {
            long next = nextFree.get();
            long start = Math.max(next, nowNanos);
            if (start - nowNanos > toleranceNanos) {
                return false;
            }
            if (nextFree.compareAndSet(next, start + intervalNanos)) {
                return true;
            }
        }
    }
}
