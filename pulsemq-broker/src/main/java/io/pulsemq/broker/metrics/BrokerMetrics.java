package io.pulsemq.broker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
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
import java.util.concurrent.TimeUnit;

/**
 * The broker's meter registry (Prometheus format) with JVM and process metrics bound, and the
 * status-event counters. Thread-safe.
 */
public final class BrokerMetrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final ConcurrentMap<String, Counter> statusEvents = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Timer> httpTimers = new ConcurrentHashMap<>();
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

    /** Records one answered HTTP request (a {@link io.pulsemq.broker.http.RequestObserver}). */
    public void httpRequest(String method, String pattern, int status, long nanos) {
        String route = method + ' ' + pattern;
        httpTimers.computeIfAbsent(route + ' ' + status, k -> Timer.builder(MetricNames.HTTP_REQUESTS)
                .description("HTTP API requests by route and status")
                .tag("route", route)
                .tag("status", Integer.toString(status))
                .publishPercentiles(0.5, 0.99)
                .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
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
