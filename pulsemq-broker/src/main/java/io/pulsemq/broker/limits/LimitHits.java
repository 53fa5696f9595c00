package io.pulsemq.broker.limits;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.pulsemq.broker.metrics.MetricNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * How often each {@link Limit} was hit: one {@link LongAdder} per limit, so that counting from any event loop
 * costs an uncontended increment and no allocation. Exported as {@code pulsemq_limit_hits_total{limit="<key>"}}.
 * The first hit of each limit is logged once at WARN, naming the key, so that an operator learns that a limit is
 * in play without a log line per refused client; the metric counts every hit. Thread-safe.
 */
public final class LimitHits {

    private static final Logger LOG = LoggerFactory.getLogger(LimitHits.class);

    private final LongAdder[] hits = new LongAdder[Limit.values().length];
    private final AtomicBoolean[] logged = new AtomicBoolean[Limit.values().length];

    public LimitHits() {
        for (int i = 0; i < hits.length; i++) {
            hits[i] = new LongAdder();
            logged[i] = new AtomicBoolean();
        }
    }

    /** Counts one hit of {@code limit}. */
    public void hit(Limit limit) {
        int i = limit.ordinal();
        hits[i].increment();
        if (!logged[i].get() && logged[i].compareAndSet(false, true)) {
            LOG.warn("limit {} was reached for the first time since start; the metric pulsemq_limit_hits_total with "
                    + "limit=\"{}\" counts every hit (docs/operations.md, Limits)", limit.key(), limit.key());
        }
    }

    /** Hits of {@code limit} since start. */
    public long count(Limit limit) {
        return hits[limit.ordinal()].sum();
    }

    /** Registers one counter per limit, tagged with its configuration key. */
    public void bindTo(MeterRegistry registry) {
        for (Limit limit : Limit.values()) {
            FunctionCounter.builder(MetricNames.LIMIT_HITS, this, h -> h.count(limit))
                    .description("times a configured limit refused, dropped, throttled or closed something; the tag "
                            + "names the configuration key")
                    .tag("limit", limit.key())
                    .register(registry);
        }
    }
}
