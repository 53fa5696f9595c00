package io.pulsemq.broker.statuslog;

/**
 * A {@code connect} that cannot be logged now: the status log cannot write (a store error, or the disk's free space is
 * below its floor). The connection is refused (v5 0x88 Server unavailable, 3.1.1 code 3); the log keeps trying and
 * accepts connects again by itself.
 */
public final class StatusLogUnavailableException extends RuntimeException {

    public StatusLogUnavailableException(String reason) {
        super("the status log cannot write: " + reason, null, false, false);
    }
}
