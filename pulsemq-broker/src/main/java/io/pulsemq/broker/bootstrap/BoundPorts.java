package io.pulsemq.broker.bootstrap;

/**
 * The ports the listeners actually bound (after resolving port 0); -1 for a disabled listener.
 * Written to {@code <data>/ports.json}.
 */
public record BoundPorts(int mqtt, int ws, int http, int amqp) {
}
