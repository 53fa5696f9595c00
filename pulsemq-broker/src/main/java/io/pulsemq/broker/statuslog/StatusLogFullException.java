package io.pulsemq.broker.statuslog;

/** Too many status events are waiting to be written; the connection attempt is refused (server busy). */
public final class StatusLogFullException extends RuntimeException {

    public StatusLogFullException(int pending) {
        super(pending + " status events are waiting to be written");
    }
}
