package io.pulsemq.broker.retained;

import io.pulsemq.broker.limits.Limit;
import io.pulsemq.broker.message.Message;

/**
 * How many retained messages, and how many payload bytes of them, the broker keeps ({@code mqtt.maxRetainedMessages},
 * {@code mqtt.maxRetainedBytes}; 0: no limit). A message for a topic that has none is refused when the count is
 * reached or its payload does not fit in the bytes left; replacing a topic's message counts only what it grows by,
 * so a same-size or smaller update, and clearing one (an empty payload), always pass.
 *
 * <p>The check reads the store's own counters and takes no lock: new topics arriving on several event loops at
 * the same instant may all pass, so the limits can be overshot by at most one message per I/O thread. They never
 * drift, because the counters are the store's.
 *
 * @param maxMessages most retained messages; 0: no limit
 * @param maxBytes    most payload bytes of all retained messages; 0: no limit
 */
public record RetainedLimits(int maxMessages, long maxBytes) {

    /** No limits. */
    public static final RetainedLimits NONE = new RetainedLimits(0, 0);

    /**
     * Whether {@code store} may take {@code message} as its topic's retained message.
     *
     * @return null if it may, else the limit that refuses it
     */
    public Limit refusal(RetainedStore store, Message message) {
        if (maxMessages == 0 && maxBytes == 0) {
            return null;
        }
        Message existing = store.get(message.topic());
        if (existing == null && maxMessages > 0 && store.size() >= maxMessages) {
            return Limit.MQTT_MAX_RETAINED_MESSAGES;
        }
        long growth = message.payload().length - (existing == null ? 0 : existing.payload().length);
        if (maxBytes > 0 && growth > 0 && store.bytes() + growth > maxBytes) {
            return Limit.MQTT_MAX_RETAINED_BYTES;
        }
        return null;
    }
}
