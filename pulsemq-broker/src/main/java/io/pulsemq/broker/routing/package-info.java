/**
 * Message routing: {@link io.pulsemq.broker.routing.Router} matches a published
 * {@link io.pulsemq.broker.message.Message} against the subscription index and hands it to each session once.
 */
package io.pulsemq.broker.routing;
