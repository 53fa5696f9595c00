package io.pulsemq.broker.config;

/**
 * How many event-loop threads each protocol family gets. MQTT (TCP and WebSocket, with or without TLS), the HTTP
 * API and the server SDK endpoint (AMQP) each have a group of their own, so work that stalls one family's loops (a
 * flood of MQTT connects, a slow store write on the connect path) cannot hold up the others: {@code /health/live}
 * answers and backends keep receiving while MQTT is busy.
 *
 * @param mqtt threads for MQTT connections; 0: one per core
 * @param http threads for HTTP connections; 0: one per four cores, at least 1, at most 2
 * @param amqp threads for server SDK connections; 0: one per four cores, at least 1, at most 2
 */
public record EventLoopsConfig(int mqtt, int http, int amqp) {

    /** Every group sized from the cores. */
    public static EventLoopsConfig defaults() {
        return new EventLoopsConfig(0, 0, 0);
    }

    /** MQTT threads on a machine with {@code cores} cores. */
    public int mqttThreads(int cores) {
        return mqtt > 0 ? mqtt : Math.max(1, cores);
    }

    /** HTTP threads on a machine with {@code cores} cores. */
    public int httpThreads(int cores) {
        return http > 0 ? http : small(cores);
    }

    /** AMQP threads on a machine with {@code cores} cores. */
    public int amqpThreads(int cores) {
        return amqp > 0 ? amqp : small(cores);
    }

    /** A small group: the HTTP and AMQP loops only move bytes; their work runs on other threads. */
    private static int small(int cores) {
        return Math.max(1, Math.min(2, cores / 4));
    }
}
