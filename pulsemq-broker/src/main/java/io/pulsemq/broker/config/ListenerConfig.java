package io.pulsemq.broker.config;

import java.util.List;

/**
 * One listener.
 *
 * @param host           bind address
 * @param port           port; 0 picks a free one, -1 disables the listener
 * @param path           HTTP path, for the WebSocket listeners only ({@code /mqtt} by default)
 * @param proxyProtocol  whether every connection starts with a PROXY protocol (v1 or v2) header naming the real
 *                       client address (for listeners behind a load balancer or TLS terminator)
 * @param clientAuth     client certificates on this TLS listener; null: {@code tls.clientAuth}
 * @param allowedOrigins WebSocket listeners: the {@code Origin} values allowed to open a connection; empty: only
 *                       the broker's own host (and clients that send no Origin, which browsers always do)
 */
public record ListenerConfig(String host, int port, String path, boolean proxyProtocol, TlsConfig.ClientAuth clientAuth,
                             List<String> allowedOrigins) {

    public ListenerConfig {
        allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
    }

    /** A listener without PROXY protocol, TLS overrides or Origin list. */
    public ListenerConfig(String host, int port, String path) {
        this(host, port, path, false, null, List.of());
    }

    /** Whether this listener is switched on. */
    public boolean enabled() {
        return port >= 0;
    }

    /** A copy on another port. */
    public ListenerConfig withPort(int p) {
        return new ListenerConfig(host, p, path, proxyProtocol, clientAuth, allowedOrigins);
    }
}
