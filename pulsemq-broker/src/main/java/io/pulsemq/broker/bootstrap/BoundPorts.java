package io.pulsemq.broker.bootstrap;

/**
 * The ports the listeners actually bound (after resolving port 0); -1 for a disabled or unbound listener.
 * Written to {@code <data>/ports.json}. The TLS listeners ({@code mqtts}, {@code wss}, {@code https},
 * {@code amqps}) are bound only when {@code tls.certFile} is set.
 */
public record BoundPorts(int mqtt, int ws, int http, int amqp, int mqtts, int wss, int https, int amqps) {

    /** Plain listeners only, no TLS listener bound. */
    public BoundPorts(int mqtt, int ws, int http, int amqp) {
        this(mqtt, ws, http, amqp, -1, -1, -1, -1);
    }
}
