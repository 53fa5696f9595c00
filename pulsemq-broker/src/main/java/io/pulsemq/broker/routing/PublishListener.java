package io.pulsemq.broker.routing;

import io.pulsemq.broker.message.Message;

/**
 * Told of every message the {@link Router} publishes, after the subscribers got it. Runs on the
 * publisher's thread (an event loop for MQTT publishes), before an MQTT QoS 1 or 2 publish is
 * acknowledged: what the listener has stored when it returns is covered by that acknowledgement. It
 * must therefore be quick and must not block; it must not throw.
 */
@FunctionalInterface
public interface PublishListener {

    /** A message was published. */
    void published(Message message);
}
