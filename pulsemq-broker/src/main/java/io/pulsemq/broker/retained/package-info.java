/**
 * Retained messages, one per topic: the {@link io.pulsemq.broker.retained.RetainedStore} contract and its
 * in-memory implementation ({@link io.pulsemq.broker.retained.InMemoryRetainedStore}), which finds the retained
 * messages matching a new subscription's filter.
 *
 * <p>Owns the retained messages themselves. Deciding what to retain (the RETAIN flag, an empty payload meaning
 * removal, expiry) and when to send retained messages (Retain Handling) belongs to the callers.
 */
package io.pulsemq.broker.retained;
