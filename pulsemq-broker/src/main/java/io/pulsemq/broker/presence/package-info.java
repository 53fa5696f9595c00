/**
 * Who is online, answered from memory: {@link io.pulsemq.broker.presence.PresenceRegistry} holds the
 * latest {@link io.pulsemq.protocol.ClientStatus} of every client ID the status log has seen, and
 * per-group counts. The status log's writer is its only writer.
 */
package io.pulsemq.broker.presence;
