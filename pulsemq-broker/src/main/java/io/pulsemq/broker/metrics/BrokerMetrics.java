package io.pulsemq.broker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The broker's meter registry (Prometheus format) with JVM and process metrics bound, and the
 * status-event counters. Thread-safe.
 */
public final class BrokerMetrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final ConcurrentMap<String, Counter> statusEvents = new ConcurrentHashMap<>();
    private final Counter rejected;

    public BrokerMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gc.bindTo(registry);
        rejected = Counter.builder(MetricNames.CONNECTS_REJECTED).description("refused connection attempts")
                .register(registry);
    }

    /** The registry, for binding more meters. */
    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    /** Counts one appended status event. */
    public void statusEvent(EventType type, DisconnectReason reason) {
        String reasonName = reason == null ? "none" : reason.wireName();
        statusEvents.computeIfAbsent(type.wireName() + '/' + reasonName, k -> Counter.builder(MetricNames.STATUS_EVENTS)
                .description("status events appended to the status log")
                .tag("type", type.wireName())
                .tag("reason", reasonName)
                .register(registry)).increment();
    }

    /** Counts one refused connection attempt. */
    public void connectRejected() {
        rejected.increment();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
