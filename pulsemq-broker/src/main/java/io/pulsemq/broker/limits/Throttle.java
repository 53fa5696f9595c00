package io.pulsemq.broker.limits;

/**
 * The rate of one connection's input, in units per second (messages, or bytes), with bursts of up to one second's
 * worth. Unlike {@link RateLimiter} it never refuses: what was read is already there, so {@link #take} accounts for
 * it and answers how long the caller should stop reading for the rate to hold. Not thread-safe: one per connection,
 * used on its event loop.
 */
public final class Throttle {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long rate;
    /** Theoretical time at which everything taken so far would have been allowed at the rate. */
    private long allowedUntil = Long.MIN_VALUE / 2;

    /**
     * @param rate units per second; 0 means no limit
     * @throws IllegalArgumentException if {@code rate} is negative
     */
    public Throttle(long rate) {
        if (rate < 0) {
            throw new IllegalArgumentException("rate " + rate);
        }
        this.rate = rate;
    }

    /** Whether this throttle limits at all. */
    public boolean limited() {
        return rate > 0;
    }

    /**
     * Accounts for {@code units} read at {@code nowNanos} (any monotonic time base, the same for every call).
     *
     * @return nanoseconds to pause reading so that the input keeps to the rate; 0 while within the burst
     */
    public long take(long units, long nowNanos) {
        if (rate == 0 || units <= 0) {
            return 0;
        }
        long start = Math.max(allowedUntil, nowNanos - NANOS_PER_SECOND);
        // units * 1e9 fits a long for any packet size MQTT allows (at most 268,435,455 bytes)
        allowedUntil = start + units * NANOS_PER_SECOND / rate;
        return Math.max(0, allowedUntil - nowNanos);
    }
}
