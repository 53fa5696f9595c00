/**
 * Metrics: one Micrometer registry with the Prometheus text format for {@code GET /metrics}, and
 * every metric name in {@link io.pulsemq.broker.metrics.MetricNames}.
 */
package io.pulsemq.broker.metrics;
