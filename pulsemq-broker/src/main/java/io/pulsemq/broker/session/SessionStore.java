package io.pulsemq.broker.session;

import io.pulsemq.broker.message.Message;
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

    /**
     * Passes every stored session to {@code sink}: its metadata, subscriptions and inbound QoS 2 packet IDs, and of
     * its outbound messages only a {@link OutboundSummary} (counts and sequence bounds), so that what the sessions
     * hold stays on disk until their clients return ({@link #loadOutbound}). Called once at startup; expects no
     * concurrent changes.
     */
    void loadAll(Consumer<StoredSession> sink);

    /**
     * Up to {@code limit} outbound messages of {@code clientId} whose sequence number is at least {@code fromSeq},
     * in sequence order: one page of what the session holds. Empty when there are none (or no such client).
     *
     * @param fromSeq the lowest sequence number to return (inclusive)
     * @param limit   the most messages to return, at least 1
     */
    List<OutboundMessage> loadOutbound(String clientId, long fromSeq, int limit);

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
     * A session as loaded at startup, without its outbound messages (they are paged in by {@link #loadOutbound}).
     *
     * @param meta          its metadata
     * @param subscriptions its subscriptions
     * @param outbound      what its outbound messages amount to
     * @param inboundQos2   inbound QoS 2 packet IDs awaiting PUBREL
     */
    record StoredSession(SessionMeta meta, List<Subscription> subscriptions, OutboundSummary outbound,
                         List<Integer> inboundQos2) {
    }

    /**
     * The outbound messages a session holds in the store, counted but not loaded.
     *
     * @param queued      how many are {@link OutboundState#QUEUED}
     * @param queuedBytes payload bytes of the queued ones
     * @param inflight    how many are {@link OutboundState#SENT} or {@link OutboundState#RELEASED}
     * @param firstSeq    the lowest sequence number stored; meaningless when there are none
     * @param lastSeq     the highest sequence number stored; meaningless when there are none
     */
    record OutboundSummary(int queued, long queuedBytes, int inflight, long firstSeq, long lastSeq) {

        /** No outbound messages. */
        public static final OutboundSummary EMPTY = new OutboundSummary(0, 0, 0, 0, 0);

        /** How many messages there are in all. */
        public int count() {
            return queued + inflight;
        }

        /** This summary with one more message, which has the highest sequence number so far. */
        public OutboundSummary plus(long seq, OutboundState state, int payloadBytes) {
            boolean isQueued = state == OutboundState.QUEUED;
            return new OutboundSummary(queued + (isQueued ? 1 : 0), queuedBytes + (isQueued ? payloadBytes : 0),
                    inflight + (isQueued ? 0 : 1), count() == 0 ? seq : firstSeq, seq);
        }
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
