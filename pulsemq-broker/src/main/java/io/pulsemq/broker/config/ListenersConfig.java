package io.pulsemq.broker.config;

/**
 * The network listeners. A port of {@code 0} picks a free port; a port of {@code -1} disables the listener.
 * The TLS listeners ({@code mqtts}, {@code wss}, {@code https}, {@code amqps}) are bound only when
 * {@code tls.certFile} is set.
 */
public record ListenersConfig(ListenerConfig mqtt, ListenerConfig ws, ListenerConfig http, ListenerConfig amqp,
                              ListenerConfig mqtts, ListenerConfig wss, ListenerConfig https, ListenerConfig amqps) {

    /** Every listener on {@code 127.0.0.1}, port 0: what tests and benchmarks use. */
    public static ListenersConfig loopbackEphemeral() {
        ListenerConfig any = new ListenerConfig("127.0.0.1", 0, null);
        ListenerConfig ws = new ListenerConfig("127.0.0.1", 0, "/mqtt");
        return new ListenersConfig(any, ws, any, any, any, ws, any, any);
    }
}
