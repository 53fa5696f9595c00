package io.pulsemq.broker.session;

import io.pulsemq.broker.message.Message;

/**
 * A connection's will message.
 *
 * @param message      what to publish
 * @param delaySeconds v5 Will Delay Interval (0 for v3)
 */
public record Will(Message message, long delaySeconds) {
}
