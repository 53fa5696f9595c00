package io.pulsemq.broker.store;

/**
 * A failure of the durable store: it could not be opened, a read or write failed, or a stored record is
 * corrupt. Unchecked, because the storage interfaces it surfaces through are synchronous and a caller can
 * rarely do more than fail the operation at hand.
 */
public final class StoreException extends RuntimeException {

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
