package io.pulsemq.broker.retained;

import io.pulsemq.broker.message.Message;

import java.util.function.Consumer;

/**
 * Retained messages, one per topic. Thread-safe: called from every event loop.
 */
public interface RetainedStore extends AutoCloseable {

    /**
     * Stores {@code message} as the retained message of its topic, replacing any earlier one.
     *
     * @return the message it replaced, or null if the topic had none
     */
    Message put(Message message);

    /**
     * Removes the retained message of {@code topic}, if any.
     *
     * @return the message removed, or null if the topic had none
     */
    Message remove(String topic);

    /** The retained message of {@code topic} (a topic name, no wildcards), or null. */
    default Message get(String topic) {
        Message[] found = new Message[1];
        match(topic, m -> found[0] = m);
        return found[0];
    }

    /**
     * Passes every retained message whose topic matches {@code filter} (which may hold {@code +} and {@code #}
     * and follows the {@code $}-topic rules) to {@code sink}. Expired messages may be passed; callers check.
     */
    void match(String filter, Consumer<Message> sink);

    /** How many retained messages there are. */
    int size();

    /** The payload bytes of all retained messages. */
    long bytes();

    @Override
    default void close() {
    }
}
