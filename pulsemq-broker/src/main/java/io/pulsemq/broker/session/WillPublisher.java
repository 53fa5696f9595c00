package io.pulsemq.broker.session;

import io.pulsemq.broker.message.Message;

/**
 * Publishes a will as the broker's own PUBLISH: the router, in the broker. An interface of the session package, so
 * that sessions need not know the router (which knows sessions). Called under the client's lifecycle lock, from the
 * thread that ended the connection or the timer; must not block.
 */
@FunctionalInterface
public interface WillPublisher {

    /** Publishes {@code will} to its topic, retained if it says so. */
    void publish(Message will);
}
