package io.pulsemq.broker.config;

import java.time.Duration;

/**
 * Status log retention.
 *
 * @param retention how long status events are kept
 * @param maxBytes  most bytes the status log may occupy on disk before its oldest events are dropped
 *                  (0: no size limit)
 */
public record StatusLogConfig(Duration retention, long maxBytes) {

    /** The default size bound: 1 GiB. */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;

    /** Retention by age, with the default size bound. */
    public StatusLogConfig(Duration retention) {
        this(retention, DEFAULT_MAX_BYTES);
    }
}
