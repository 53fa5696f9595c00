/**
 * The durable status log: every connection's {@code connect}, {@code disconnect} and {@code tcpclean}
 * as a {@link io.pulsemq.protocol.StatusEvent} with a strictly increasing offset and a per-client
 * version, made durable (fsync, group commit) before anyone can see it, then applied to the
 * presence registry. {@link io.pulsemq.broker.statuslog.StatusRecorder} turns connection lifecycles
 * into events.
 */
package io.pulsemq.broker.statuslog;
