package io.pulsemq.sdk;

/** Any failure of an SDK call. Unchecked; the subclasses say what went wrong. */
public class PulseMqException extends RuntimeException {

    public PulseMqException(String message) {
        super(message);
    }

    public PulseMqException(String message, Throwable cause) {
        super(message, cause);
    }
}
