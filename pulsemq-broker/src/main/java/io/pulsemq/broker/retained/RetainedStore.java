package io.pulsemq.broker.retained;

import io.pulsemq.broker.routing.Message;

import java.util.function.Consumer;

/**
 * Retained messages, one per topic. Thread-safe: called from every event loop.
 */
public interface RetainedStore extends AutoCloseable {

    /** Stores {@code message} as the retained message of its topic, replacing any earlier one. */
    void put(Message message);

    /** Removes the retained message of {@code topic}, if any. */
    void remove(String topic);

    /**
     * Passes every retained message whose topic matches {@code filter} (which may hold {@code +} and {@code #}
     * and follows the {@code $}-topic rules) to {@code sink}. Expired messages may be passed; callers check.
     */
    void match(String filter, Consumer<Message> sink);

    /** How many retained messages there are. */
    int size();

    @Override
    default void close() {
    }
}
