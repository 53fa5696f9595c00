package io.pulsemq.broker.session;

import io.pulsemq.broker.routing.Message;
import io.pulsemq.broker.subscription.Subscription;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Where persistent sessions live between connections and across restarts, and every client's will. Only
 * sessions with a non-zero expiry interval are stored; wills of all clients are (see {@link #saveWill}).
 * Synchronous; every method returns once the change is applied (for the durable implementation: written to the
 * store's write-ahead log). Thread-safe; callers
 * serialize the changes of any one client.
 */
public interface SessionStore extends AutoCloseable {

    /** Creates or replaces the session's metadata. */
    void saveSession(SessionMeta meta);

    /** Removes the session and everything stored for it (subscriptions, outbound messages, QoS 2 state). */
    void removeSession(String clientId);

    /** Creates or replaces one subscription (keyed by client ID and {@link Subscription#fullFilter()}). */
    void saveSubscription(Subscription subscription);

    /** Removes one subscription. */
    void removeSubscription(String clientId, String fullFilter);

    /** Creates or replaces one outbound message (keyed by client ID and sequence number). */
    void saveOutbound(String clientId, OutboundMessage message);

    /** Removes one outbound message. */
    void removeOutbound(String clientId, long seq);

    /** Records that an inbound QoS 2 PUBLISH with this packet ID was received and awaits PUBREL. */
    void saveInboundQos2(String clientId, int packetId);

    /** Forgets an inbound QoS 2 packet ID (PUBREL arrived). */
    void removeInboundQos2(String clientId, int packetId);

    /**
     * Stores the client's will, replacing any earlier one: armed while its connection is up ({@code dueAt} 0), so
     * that a crash does not lose it, or pending until {@code dueAt} once the connection ended and the will waits for
     * its delay, so that it outlives a restart. Called for every client with a will, persistent session or not.
     */
    void saveWill(String clientId, StoredWill will);

    /** Forgets the client's will (published, or withdrawn by a normal DISCONNECT or a reconnect). */
    void removeWill(String clientId);

    /** Passes every stored will to {@code sink}, with its client ID. Called once at startup. */
    void loadWills(BiConsumer<String, StoredWill> sink);

    /** Passes every stored session, complete, to {@code sink}. Called once at startup. */
    void loadAll(Consumer<StoredSession> sink);

    @Override
    default void close() {
    }

    /**
     * A session's metadata.
     *
     * @param clientId        the client
     * @param protocolVersion 3, 4 or 5 (MQTT 3.1, 3.1.1, 5.0)
     * @param expirySeconds   session expiry interval in seconds
     * @param disconnectedAt  epoch ms when its last connection ended; 0 while connected
     */
    record SessionMeta(String clientId, int protocolVersion, long expirySeconds, long disconnectedAt) {
    }

    /** State of an outbound message. */
    enum OutboundState {
        /** Waiting for a window slot or for the client to connect. */
        QUEUED,
        /** PUBLISH sent, waiting for PUBACK (QoS 1) or PUBREC (QoS 2). */
        SENT,
        /** QoS 2: PUBREL sent, waiting for PUBCOMP. */
        RELEASED
    }

    /**
     * A QoS 1 or 2 message on its way to a client.
     *
     * @param seq             per-session sequence number, increasing in delivery order
     * @param packetId        MQTT packet identifier while in flight; 0 while queued
     * @param state           where it is in the handshake
     * @param message         the message, with the QoS and RETAIN flag to deliver it with
     * @param subscriptionIds v5 subscription identifiers to send with it
     */
    record OutboundMessage(long seq, int packetId, OutboundState state, Message message, List<Integer> subscriptionIds) {
        public OutboundMessage {
            subscriptionIds = subscriptionIds == null ? List.of() : List.copyOf(subscriptionIds);
        }

        /** A copy in another state and packet ID. */
        public OutboundMessage with(OutboundState newState, int newPacketId) {
            return new OutboundMessage(seq, newPacketId, newState, message, subscriptionIds);
        }
    }

    /**
     * A session as loaded at startup.
     *
     * @param meta          its metadata
     * @param subscriptions its subscriptions
     * @param outbound      its outbound messages in sequence order
     * @param inboundQos2   inbound QoS 2 packet IDs awaiting PUBREL
     */
    record StoredSession(SessionMeta meta, List<Subscription> subscriptions, List<OutboundMessage> outbound,
                         List<Integer> inboundQos2) {
    }

    /**
     * A client's will as stored.
     *
     * @param message      what to publish
     * @param delaySeconds its Will Delay Interval (0 for MQTT 3.1.x)
     * @param dueAt        epoch ms when it is to be published, or 0 while its connection is up (armed)
     */
    record StoredWill(Message message, long delaySeconds, long dueAt) {

        /** Whether its connection was up when this was stored. */
        public boolean armed() {
            return dueAt == 0;
        }
    }
}
