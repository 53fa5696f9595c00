package io.pulsemq.broker.config;

/**
 * One listener.
 *
 * @param host bind address
 * @param port port; 0 picks a free one, -1 disables the listener
 * @param path HTTP path, for the WebSocket listener only ({@code /mqtt} by default)
 */
public record ListenerConfig(String host, int port, String path) {

    /** Whether this listener is switched on. */
    public boolean enabled() {
        return port >= 0;
    }
}
