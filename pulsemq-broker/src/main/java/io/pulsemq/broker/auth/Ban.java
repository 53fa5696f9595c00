package io.pulsemq.broker.auth;

import java.time.Instant;
import java.util.Locale;

/**
 * One entry of the ban list.
 *
 * @param kind   what {@code value} names
 * @param value  a client ID, a username, or an IP address or CIDR block
 * @param until  when the ban ends by itself; null: never
 * @param reason why, as an operator or the broker wrote it (e.g. {@code login failures}, {@code flapping})
 * @param by     who added it: {@code api}, {@code login-guard}, {@code flapping}
 * @param at     when it was added
 */
public record Ban(Kind kind, String value, Instant until, String reason, String by, Instant at) {

    /** What a ban matches on. */
    public enum Kind {
        CLIENT_ID("clientId"),
        USERNAME("username"),
        ADDRESS("address");

        private final String wireName;

        Kind(String wireName) {
            this.wireName = wireName;
        }

        /** The name in JSON and paths: {@code clientId}, {@code username}, {@code address}. */
        public String wireName() {
            return wireName;
        }

        /** The kind with this wire name (case-insensitive), or null. */
        public static Kind parse(String name) {
            for (Kind k : values()) {
                if (k.wireName.toLowerCase(Locale.ROOT).equals(name == null ? null : name.toLowerCase(Locale.ROOT))) {
                    return k;
                }
            }
            return null;
        }
    }

    /** Whether the ban is in force at {@code now}. */
    public boolean activeAt(Instant now) {
        return until == null || now.isBefore(until);
    }
}
