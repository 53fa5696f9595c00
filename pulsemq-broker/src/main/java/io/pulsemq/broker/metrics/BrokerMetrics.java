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
    private static final int REASON_SLOTS = DisconnectReason.values().length + 1;
    /** Status-event counters by (type, reason or none), registered on first use. */
    private final Counter[] statusEvents = new Counter[EventType.values().length * REASON_SLOTS];
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

    /** Counts one appended status event (per event: an array lookup, no allocation once the counter exists). */
    public void statusEvent(EventType type, DisconnectReason reason) {
        int slot = type.ordinal() * REASON_SLOTS + (reason == null ? 0 : reason.ordinal() + 1);
        Counter c = statusEvents[slot];
        if (c == null) {
            // Registering is idempotent in Micrometer, so a race here registers the same counter twice, harmlessly.
            String reasonName = reason == null ? "none" : reason.wireName();
            c = Counter.builder(MetricNames.STATUS_EVENTS)
                    .description("status events appended to the status log")
                    .tag("type", type.wireName())
                    .tag("reason", reasonName)
                    .register(registry);
            statusEvents[slot] = c;
        }
        c.increment();
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
