package io.pulsemq.protocol;

/**
 * Why a connection ended, as carried in the {@code reason} field of {@code disconnect} and
 * {@code tcpclean} status events. {@link #wireName()} is the contract's spelling.
 */
public enum DisconnectReason {
    /** The client sent DISCONNECT. */
    CLIENT_DISCONNECT,
    /** The network connection broke or the client closed it without DISCONNECT. */
    CONNECTION_LOST,
    /** Nothing arrived within 1.5 times the keep-alive. */
    KEEPALIVE_TIMEOUT,
    /** Another connection with the same client ID took over. */
    SESSION_TAKEN_OVER,
    /** An operator or backend closed the connection. */
    KICKED,
    /** The client broke the protocol (malformed or unexpected packet). */
    PROTOCOL_ERROR,
    /** The client did something it is not allowed to. */
    NOT_AUTHORIZED,
    /** The broker stopped gracefully. */
    SERVER_SHUTDOWN,
    /** The broker stopped uncleanly; logged at the next start. */
    SERVER_CRASH;

    private final String wireName = name().toLowerCase(java.util.Locale.ROOT);

    /** The lower-case name used in JSON, e.g. {@code session_taken_over}. */
    public String wireName() {
        return wireName;
    }

    /** Parses a wire name; throws {@link IllegalArgumentException} for an unknown one. */
    public static DisconnectReason fromWireName(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }
}
