package io.pulsemq.broker.config;

import java.time.Duration;

/**
 * Status log retention.
 *
 * @param retention how long status events are kept
 */
public record StatusLogConfig(Duration retention) {
}
