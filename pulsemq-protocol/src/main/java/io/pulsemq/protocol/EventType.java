package io.pulsemq.protocol;

import java.util.Locale;

/** What a status event reports. {@link #wireName()} is the contract's spelling. */
public enum EventType {
    /** The broker accepted the connection (CONNACK with success). */
    CONNECT,
    /** The client sent DISCONNECT. */
    DISCONNECT,
    /** The connection is gone, for any reason; exactly one per connection. */
    TCPCLEAN;

    private final String wireName = name().toLowerCase(Locale.ROOT);

    /** {@code connect}, {@code disconnect} or {@code tcpclean}. */
    public String wireName() {
        return wireName;
    }

    /** Parses a wire name; throws {@link IllegalArgumentException} for an unknown one. */
    public static EventType fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
