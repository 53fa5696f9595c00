/**
 * The application message every part of the broker shares: {@link io.pulsemq.broker.message.Message}, as routing
 * matches it, sessions queue it, the retained store keeps it and the server SDK's queues hold it. It depends on
 * nothing else of the broker, so that none of those packages depends on another through it.
 */
package io.pulsemq.broker.message;
