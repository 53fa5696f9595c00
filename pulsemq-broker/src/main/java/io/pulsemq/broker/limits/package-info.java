/**
 * Limits on what clients may use: the catalog of limits ({@link io.pulsemq.broker.limits.Limit}) and their hit
 * counters ({@link io.pulsemq.broker.limits.LimitHits}, {@code pulsemq_limit_hits_total} in {@code /metrics}), the
 * rate limiters (a lock-free one shared by every event loop, {@link io.pulsemq.broker.limits.RateLimiter}, and a
 * per-connection one confined to its event loop, {@link io.pulsemq.broker.limits.Throttle}) and the slots of
 * what is counted against a maximum ({@link io.pulsemq.broker.limits.Slots}: event streams;
 * {@link io.pulsemq.broker.limits.ConnectionSlots}: MQTT connections from their accept, with a hard stop). The
 * protocol handlers decide what a hit means on the wire; this package only counts and decides.
 */
package io.pulsemq.broker.limits;
