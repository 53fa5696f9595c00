package io.pulsemq.broker.auth;

import io.pulsemq.broker.config.AccessKey;

/**
 * The outcome of authenticating a CONNECT: accepted (with the key used, if any) or refused with a
 * reason that maps to a CONNACK code.
 *
 * @param outcome what was decided
 * @param key     the access key that authenticated the device, or null (anonymous, or refused)
 * @param detail  a short, secret-free explanation for logs and traces
 */
public record AuthResult(Outcome outcome, AccessKey key, String detail) {

    /** What was decided. */
    public enum Outcome {
        /** The device may connect. */
        ACCEPTED,
        /** Unknown key, wrong secret or malformed credentials (v3 0x04, v5 0x86). */
        BAD_CREDENTIALS,
        /** Valid credentials that do not allow this connection (v3 0x05, v5 0x87). */
        NOT_AUTHORIZED
    }

    static AuthResult accepted(AccessKey key, String detail) {
        return new AuthResult(Outcome.ACCEPTED, key, detail);
    }

    static AuthResult badCredentials(String detail) {
        return new AuthResult(Outcome.BAD_CREDENTIALS, null, detail);
    }

    static AuthResult notAuthorized(String detail) {
        return new AuthResult(Outcome.NOT_AUTHORIZED, null, detail);
    }

    /** Whether the device may connect. */
    public boolean accepted() {
        return outcome == Outcome.ACCEPTED;
    }
}
