package io.pulsemq.broker.config;

/** The network listeners. A port of {@code 0} picks a free port; a port of {@code -1} disables the listener. */
public record ListenersConfig(ListenerConfig mqtt, ListenerConfig ws, ListenerConfig http, ListenerConfig amqp) {

    /** Every listener on {@code 127.0.0.1}, port 0: what tests and benchmarks use. */
    public static ListenersConfig loopbackEphemeral() {
        ListenerConfig any = new ListenerConfig("127.0.0.1", 0, null);
        return new ListenersConfig(any, new ListenerConfig("127.0.0.1", 0, "/mqtt"), any, any);
    }
}
