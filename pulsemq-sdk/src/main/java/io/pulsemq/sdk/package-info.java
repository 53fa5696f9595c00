/**
 * The PulseMQ Java SDK for backends: everything here is public API; {@code io.pulsemq.sdk.internal} is not.
 *
 * <ul>
 *   <li>{@link io.pulsemq.sdk.StatusClient}: the synchronous status queries of the HTTP API (one client, batches of
 *       any size, the client list with paging, group counts, traces, the kick, exports).</li>
 *   <li>{@link io.pulsemq.sdk.PresenceTracker}: an exact local mirror of who is online, kept by list-then-watch,
 *       with transition listeners.</li>
 *   <li>{@link io.pulsemq.sdk.StatusStream}: at-least-once iteration over status events from an offset.</li>
 * </ul>
 *
 * <p>Every type is built with a builder or a static factory; instances are immutable or thread-safe as their
 * Javadoc says. Failures are unchecked {@link io.pulsemq.sdk.PulseMqException}s. Status values are the protocol's
 * {@link io.pulsemq.protocol.ClientStatus} and {@link io.pulsemq.protocol.StatusEvent}.
 */
package io.pulsemq.sdk;
