package io.pulsemq.broker.config;

import java.time.Duration;

/**
 * Status log retention.
 *
 * @param retention how long status events are kept
 * @param maxBytes  most bytes the status log may occupy on disk before its oldest events are dropped
 *                  (0: no size limit)
 * @param minFreeDisk free bytes the data directory's file system must keep: below it new connections are refused
 *                  (v5 0x88, 3.1.1 code 3) until space is back, so the store never runs into a full disk (0: no floor)
 */
public record StatusLogConfig(Duration retention, long maxBytes, long minFreeDisk) {

    /** The default size bound: 1 GiB. */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    /** The default free-space floor: 256 MiB, four times the store's largest write-ahead log. */
    public static final long DEFAULT_MIN_FREE_DISK = 256L << 20;

    /** Retention by age, with the default size bound and free-space floor. */
    public StatusLogConfig(Duration retention) {
        this(retention, DEFAULT_MAX_BYTES, DEFAULT_MIN_FREE_DISK);
    }

    /** A copy with another free-space floor. */
    public StatusLogConfig withMinFreeDisk(long bytes) {
        return new StatusLogConfig(retention, maxBytes, bytes);
    }
}
