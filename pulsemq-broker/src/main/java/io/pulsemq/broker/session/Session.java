package io.pulsemq.broker.session;

import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.session.SessionStore.OutboundMessage;
import io.pulsemq.broker.session.SessionStore.OutboundState;
import io.pulsemq.broker.session.SessionStore.OutboundSummary;
import io.pulsemq.broker.session.SessionStore.SessionMeta;
import io.pulsemq.broker.subscription.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;

/**
 * The broker-side state of one client ID: subscriptions, messages queued or in flight towards the
 * client, and inbound QoS 2 packet IDs awaiting PUBREL. It outlives connections when its expiry
 * interval is non-zero.
 *
 * <p>Threading: deliveries arrive from every event loop, acknowledgements from the attached
 * connection's loop. All message state is guarded by this object's monitor; it is held only for
 * in-memory bookkeeping, a store write, a bounded store read (one page, see below) and a hand-off to the
 * connection (which never blocks).
 * Subscriptions are a concurrent map because the router reads them without the monitor.
 *
 * <p>When the session is persistent ({@code expirySeconds > 0}) every change to its outbound
 * messages, subscriptions and QoS 2 state is written through to the {@link SessionStore}.
 *
 * <p>Memory: the store, not the heap, holds a persistent session's outbound messages. While its client is away
 * the session keeps none of them in memory, only counters (how many are queued and in flight, their payload bytes,
 * where the next page starts); a message offered meanwhile is written to the store and nothing else. When a
 * connection attaches, the messages in flight and one page of queued ones ({@link #DEFAULT_PAGE_SIZE}) are read
 * back; the next page is read when the window has room and the page in memory is used up. So an online session
 * holds at most its window plus a page, an offline one nothing, however much it has queued. A non-persistent
 * session has no store behind it and keeps its queue (bounded by {@code maxQueued}) in memory.
 *
 * <p>Ordering: sequence numbers grow in delivery order, every message in flight has a lower one than every
 * queued message (a message is sent directly only when nothing is queued), and the page in memory is the
 * queued messages with the lowest sequence numbers; so reading the store from {@link #loadFrom} in sequence order
 * yields first the messages in flight, then the queued ones, in the order they are to be sent.
 */
public final class Session {

    private static final Logger LOG = LoggerFactory.getLogger(Session.class);

    /** Why {@link #offer} did not take a message. */
    public enum OfferResult {
        /** Sent now or queued. */
        ACCEPTED,
        /** QoS 0 to an offline client: dropped by design. */
        DROPPED_OFFLINE,
        /** The queue is at its limit. */
        DROPPED_QUEUE_FULL,
        /** The queue is at its limit in payload bytes ({@code mqtt.maxQueuedBytes}). */
        DROPPED_QUEUE_BYTES,
        /** Too large for the client's Maximum Packet Size. */
        DROPPED_TOO_LARGE,
        /** Expired before it could be delivered. */
        DROPPED_EXPIRED,
        /** QoS 0 to a client that reads too slowly: dropped rather than buffered without bound. */
        DROPPED_CONGESTED
    }

    /** Queued messages read from the store at a time. */
    static final int DEFAULT_PAGE_SIZE = 64;

    private final String clientId;
    private final SessionStore store;
    private final Clock clock;
    private final int maxQueued;
    private final int pageSize;
    /** Most payload bytes queued; 0: no limit. */
    private final long maxQueuedBytes;

    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    private final ArrayDeque<OutboundMessage> queue = new ArrayDeque<>();
    private final LinkedHashMap<Integer, OutboundMessage> inflight = new LinkedHashMap<>();
    private final Set<Integer> inboundQos2 = new HashSet<>();

    private int protocolVersion;
    private long expirySeconds;
    private long disconnectedAt;
    private ClientConnection connection;
    /** False between attach and resume: nothing is sent before the CONNACK. */
    private boolean ready;
    private long nextSeq = 1;
    private int nextPacketId = 1;

    /**
     * Whether the messages in flight are in {@link #inflight}: true while a connection is attached and always for
     * a non-persistent session; false for a persistent session whose client is away, whose messages are then
     * all in the store.
     */
    private boolean loaded = true;
    /** Queued messages in the store and not in {@link #queue}; all come after those in {@link #queue}. */
    private int storedQueued;
    /** Messages in flight in the store and not in {@link #inflight} (only while not {@link #loaded}). */
    private int storedInflight;
    /** The lowest sequence number of the messages in the store and not in memory, if there are any. */
    private long loadFrom = 1;
    /** Payload bytes of the queued messages, in memory or only in the store. */
    private long queuedBytes;

    /** The attached connection and what its end needs; guarded by the client's lifecycle lock. */
    SessionRegistry.Attachment current;
    /** Expiry timer while offline; guarded by the client's lifecycle lock. */
    ScheduledFuture<?> expiryTimer;
    /** The will awaiting its delay; guarded by the client's lifecycle lock. */
    Will pendingWill;
    ScheduledFuture<?> willTimer;

    Session(String clientId, int protocolVersion, long expirySeconds, SessionStore store, Clock clock, int maxQueued) {
        this(clientId, protocolVersion, expirySeconds, store, clock, maxQueued, 0, DEFAULT_PAGE_SIZE);
    }

    /**
     * @param maxQueued      most messages queued (not counting those in flight)
     * @param maxQueuedBytes most payload bytes queued, in memory or only in the store; 0: no limit
     * @param pageSize       queued messages read from the store at a time, at least 1
     */
    Session(String clientId, int protocolVersion, long expirySeconds, SessionStore store, Clock clock, int maxQueued,
            long maxQueuedBytes, int pageSize) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("pageSize must be at least 1: " + pageSize);
        }
        this.clientId = clientId;
        this.protocolVersion = protocolVersion;
        this.expirySeconds = expirySeconds;
        this.store = store;
        this.clock = clock;
        this.maxQueued = maxQueued;
        this.pageSize = pageSize;
        this.maxQueuedBytes = maxQueuedBytes;
    }

    /**
     * Rebuilds a session from what the store passed at startup; it starts offline, its outbound messages left in
     * the store until a connection attaches.
     */
    static Session restore(SessionStore.StoredSession stored, SessionStore store, Clock clock, int maxQueued,
                           long maxQueuedBytes, int pageSize) {
        SessionMeta meta = stored.meta();
        Session s = new Session(meta.clientId(), meta.protocolVersion(), meta.expirySeconds(), store, clock, maxQueued,
                maxQueuedBytes, pageSize);
        s.disconnectedAt = meta.disconnectedAt() == 0 ? clock.millis() : meta.disconnectedAt();
        for (Subscription sub : stored.subscriptions()) {
            s.subscriptions.put(sub.fullFilter(), sub);
        }
        OutboundSummary outbound = stored.outbound();
        s.loaded = false;
        if (outbound.count() > 0) {
            s.storedQueued = outbound.queued();
            s.storedInflight = outbound.inflight();
            s.queuedBytes = outbound.queuedBytes();
            s.loadFrom = outbound.firstSeq();
            s.nextSeq = Math.max(s.nextSeq, outbound.lastSeq() + 1);
        } else {
            s.loadFrom = s.nextSeq;
        }
        s.inboundQos2.addAll(stored.inboundQos2());
        return s;
    }

    public String clientId() {
        return clientId;
    }

    /** Whether the session outlives its connection. */
    public synchronized boolean persistent() {
        return expirySeconds > 0;
    }

    public synchronized long expirySeconds() {
        return expirySeconds;
    }

    synchronized long disconnectedAt() {
        return disconnectedAt;
    }

    /** The attached connection once its CONNACK is out, or null while offline. */
    public synchronized ClientConnection connection() {
        return ready ? connection : null;
    }

    /** The subscriptions, keyed by full filter. Safe to read from any thread. */
    public Collection<Subscription> subscriptions() {
        return subscriptions.values();
    }

    /** How many subscriptions the session holds. Safe to call from any thread. */
    public int subscriptionCount() {
        return subscriptions.size();
    }

    /** Whether the session holds a subscription to {@code fullFilter} (as the client sent it). Any thread. */
    public boolean hasSubscription(String fullFilter) {
        return subscriptions.containsKey(fullFilter);
    }

    /** Adds or replaces a subscription; returns the one it replaced, or null. */
    public synchronized Subscription subscribe(Subscription sub) {
        Subscription old = subscriptions.put(sub.fullFilter(), sub);
        if (persistent()) {
            store.saveSubscription(sub);
        }
        return old;
    }

    /** Removes a subscription; returns it, or null if there was none. */
    public synchronized Subscription unsubscribe(String fullFilter) {
        Subscription old = subscriptions.remove(fullFilter);
        if (old != null && persistent()) {
            store.removeSubscription(clientId, fullFilter);
        }
        return old;
    }

    /**
     * Hands a message to this session: sent at once when the client is connected and its window has
     * room, queued when it is QoS 1/2 and the client is offline or busy.
     *
     * @param message         the message with the QoS and RETAIN flag it is to be delivered with
     * @param subscriptionIds v5 subscription identifiers of the matching subscriptions
     */
    public synchronized OfferResult offer(Message message, List<Integer> subscriptionIds) {
        if (message.expiredAt(clock.millis())) {
            return OfferResult.DROPPED_EXPIRED;
        }
        ClientConnection live = ready ? this.connection : null;
        if (live != null && !live.fits(message, subscriptionIds)) {
            return OfferResult.DROPPED_TOO_LARGE;
        }
        if (message.qos() == 0) {
            if (live == null) {
                return OfferResult.DROPPED_OFFLINE;
            }
            if (live.congested()) {
                return OfferResult.DROPPED_CONGESTED;
            }
            live.sendPublish(message, 0, false, subscriptionIds);
            return OfferResult.ACCEPTED;
        }
        if (live != null && queuedCount() == 0 && inflight.size() < live.sendWindow()) {
            OutboundMessage m = new OutboundMessage(nextSeq++, allocatePacketId(), OutboundState.SENT, message, subscriptionIds);
            inflight.put(m.packetId(), m);
            persistOutbound(m);
            live.sendPublish(message, m.packetId(), false, subscriptionIds);
            return OfferResult.ACCEPTED;
        }
        // a full queue keeps what it has and drops the newcomer, in messages and in bytes alike
        if (queuedCount() >= maxQueued) {
            return OfferResult.DROPPED_QUEUE_FULL;
        }
        if (maxQueuedBytes > 0 && queuedBytes + message.payload().length > maxQueuedBytes) {
            return OfferResult.DROPPED_QUEUE_BYTES;
        }
        OutboundMessage m = new OutboundMessage(nextSeq++, 0, OutboundState.QUEUED, message, subscriptionIds);
        persistOutbound(m);
        queuedBytes += payloadBytes(m);
        if (!persistent()) {
            queue.add(m);
        } else if (!loaded) {
            storedQueued++; // offline: in the store only; loadFrom already points at or before it
        } else if (storedQueued == 0 && queue.size() < pageSize) {
            queue.add(m);
        } else {
            if (storedQueued == 0) {
                loadFrom = m.seq();
            }
            storedQueued++; // the page in memory is full: read back when the ones before it are sent
        }
        return OfferResult.ACCEPTED;
    }

    /** PUBACK from the client. Returns false if no QoS 1 message was in flight with that ID. */
    public synchronized boolean onPubAck(int packetId) {
        OutboundMessage m = inflight.get(packetId);
        if (m == null || m.message().qos() != 1) {
            return false;
        }
        complete(m);
        return true;
    }

    /**
     * PUBREC from the client: the QoS 2 message moves to RELEASED and a PUBREL is sent. A PUBREC with
     * a failure reason code ({@code >= 0x80}) ends the exchange instead. Returns false if no QoS 2
     * message was in flight with that ID.
     */
    public synchronized boolean onPubRec(int packetId, boolean failed) {
        OutboundMessage m = inflight.get(packetId);
        if (m == null || m.message().qos() != 2) {
            return false;
        }
        if (failed) {
            complete(m);
            return true;
        }
        if (m.state() == OutboundState.SENT) {
            OutboundMessage released = m.with(OutboundState.RELEASED, packetId);
            inflight.put(packetId, released);
            persistOutbound(released);
        }
        if (connection != null) {
            connection.sendPubRel(packetId);
        }
        return true;
    }

    /** PUBCOMP from the client. Returns false if no released QoS 2 message had that ID. */
    public synchronized boolean onPubComp(int packetId) {
        OutboundMessage m = inflight.get(packetId);
        if (m == null || m.state() != OutboundState.RELEASED) {
            return false;
        }
        complete(m);
        return true;
    }

    private void complete(OutboundMessage m) {
        inflight.remove(m.packetId());
        if (persistent()) {
            store.removeOutbound(clientId, m.seq());
        }
        drain();
    }

    /**
     * Whether an inbound QoS 2 PUBLISH with this packet ID was routed and awaits its PUBREL: a retransmission
     * of it must not be routed again [MQTT-4.3.3-10].
     */
    public synchronized boolean awaitsRelease(int packetId) {
        return inboundQos2.contains(packetId);
    }

    /**
     * Records an inbound QoS 2 PUBLISH once it has been routed (and so stored wherever it went): stored first,
     * remembered only once stored, so that a store error leaves no ID behind whose retransmission would be
     * acknowledged without being routed. A failure after routing can at worst route a retransmission twice.
     *
     * @throws io.pulsemq.broker.store.StoreException if the store cannot record it; nothing is recorded then
     */
    public synchronized void recordInboundQos2(int packetId) {
        if (persistent() && !inboundQos2.contains(packetId)) {
            store.saveInboundQos2(clientId, packetId);
        }
        inboundQos2.add(packetId);
    }

    /** PUBREL from the client. Returns false if the packet ID was unknown. */
    public synchronized boolean releaseInboundQos2(int packetId) {
        boolean removed = inboundQos2.remove(packetId);
        if (removed && persistent()) {
            store.removeInboundQos2(clientId, packetId);
        }
        return removed;
    }

    /** How many inbound QoS 2 exchanges are open (they count against the broker's Receive Maximum). */
    public synchronized int inboundQos2Count() {
        return inboundQos2.size();
    }

    /**
     * Attaches a connection; messages are not resent until {@link #resume()}. Reads back from the store what was
     * in flight and the first page of the queue.
     */
    synchronized void attach(ClientConnection c, int newProtocolVersion, long newExpirySeconds) {
        boolean wasPersistent = persistent();
        if (!loaded) {
            pageIn();
            loaded = true;
        }
        connection = c;
        ready = false;
        protocolVersion = newProtocolVersion;
        expirySeconds = newExpirySeconds;
        disconnectedAt = 0;
        if (persistent()) {
            if (!wasPersistent) {
                persistEverything();
            }
            store.saveSession(meta());
        } else if (wasPersistent) {
            forgetStore();
        }
    }

    /**
     * After the CONNACK: resends what was in flight (PUBLISH with DUP set, or PUBREL for released QoS 2
     * messages) in the original order [MQTT-4.4.0-1], then fills the window from the queue.
     */
    public synchronized void resume() {
        if (connection == null) {
            return;
        }
        ready = true;
        for (OutboundMessage m : inflight.values()) {
            if (m.state() == OutboundState.RELEASED) {
                connection.sendPubRel(m.packetId());
            } else {
                connection.sendPublish(m.message(), m.packetId(), true, m.subscriptionIds());
            }
        }
        drain();
    }

    /** Detaches {@code c} if it is the attached connection; returns whether it was. */
    synchronized boolean detach(ClientConnection c) {
        if (connection != c) {
            return false;
        }
        connection = null;
        ready = false;
        disconnectedAt = clock.millis();
        if (persistent()) {
            pageOut(); // first: memory lets go even if the write below fails
            store.saveSession(meta());
        }
        return true;
    }

    /** Changes the expiry interval (v5 DISCONNECT may do so). */
    synchronized void expirySeconds(long seconds) {
        boolean was = persistent();
        expirySeconds = seconds;
        if (persistent()) {
            if (!was) {
                persistEverything();
            }
            store.saveSession(meta());
        } else if (was) {
            forgetStore();
        }
    }

    /** Number of messages waiting for the client (queued plus in flight), in memory or only in the store. */
    public synchronized int pendingCount() {
        return queuedCount() + inflight.size() + storedInflight;
    }

    /** Payload bytes of the messages queued (not in flight), in memory or only in the store. */
    public synchronized long queuedBytes() {
        return queuedBytes;
    }

    /**
     * How many of the outbound messages (queued or in flight) are held in memory right now, as opposed to only in
     * the store: 0 for a persistent session whose client is away, at most the window plus a page while it is
     * connected.
     */
    public synchronized int messagesInMemory() {
        return queue.size() + inflight.size();
    }

    private int queuedCount() {
        return queue.size() + storedQueued;
    }

    private void drain() {
        if (connection == null || !ready) {
            return;
        }
        int window = connection.sendWindow();
        long now = clock.millis();
        while (inflight.size() < window) {
            if (queue.isEmpty() && storedQueued > 0) {
                pageIn();
            }
            OutboundMessage queued = queue.poll();
            if (queued == null) {
                break;
            }
            queuedBytes -= payloadBytes(queued);
            if (queued.message().expiredAt(now) || !connection.fits(queued.message(), queued.subscriptionIds())) {
                if (persistent()) {
                    store.removeOutbound(clientId, queued.seq());
                }
                continue;
            }
            OutboundMessage m = queued.with(OutboundState.SENT, allocatePacketId());
            inflight.put(m.packetId(), m);
            persistOutbound(m);
            connection.sendPublish(m.message(), m.packetId(), false, m.subscriptionIds());
        }
    }

    /**
     * Reads from the store what is not in memory: every message in flight (they come first in sequence order) and
     * queued ones until the page is full. One read in the common case; more only when more is in flight than a
     * page holds.
     */
    private void pageIn() {
        while (storedInflight > 0 || (storedQueued > 0 && queue.size() < pageSize)) {
            int limit = storedInflight + Math.max(0, pageSize - queue.size());
            List<OutboundMessage> page = store.loadOutbound(clientId, loadFrom, Math.max(1, limit));
            if (page.isEmpty()) {
                // The counts said more was stored than there is; what is there has been read.
                LOG.warn("Session {}: expected {} more stored outbound messages from seq {}, found none",
                        clientId, storedInflight + storedQueued, loadFrom);
                storedInflight = 0;
                storedQueued = 0;
                break;
            }
            for (OutboundMessage m : page) {
                loadFrom = m.seq() + 1;
                if (m.state() == OutboundState.QUEUED) {
                    queue.add(m);
                    storedQueued = Math.max(0, storedQueued - 1);
                } else {
                    inflight.put(m.packetId(), m);
                    storedInflight = Math.max(0, storedInflight - 1);
                }
            }
        }
        if (storedInflight == 0 && storedQueued == 0) {
            loadFrom = nextSeq;
        }
    }

    /**
     * The client is away: every outbound message is in the store, so memory lets go of them all, keeping only
     * the counts and where to read them back from.
     */
    private void pageOut() {
        OutboundMessage first = !inflight.isEmpty() ? inflight.values().iterator().next() : queue.peek();
        if (first != null) {
            loadFrom = first.seq();
        } else if (storedQueued == 0) {
            loadFrom = nextSeq;
        }
        storedInflight += inflight.size();
        storedQueued += queue.size();
        inflight.clear();
        queue.clear();
        loaded = false;
    }

    /**
     * The session stops being persistent while connected: it needs all of its messages in memory (at most
     * {@code maxQueued} queued plus the window, the bound that holds for every non-persistent session) before its
     * stored state goes.
     */
    private void forgetStore() {
        while (storedQueued > 0) {
            int before = queue.size();
            List<OutboundMessage> page = store.loadOutbound(clientId, loadFrom, pageSize);
            for (OutboundMessage m : page) {
                loadFrom = m.seq() + 1;
                if (m.state() == OutboundState.QUEUED) {
                    queue.add(m);
                }
            }
            storedQueued -= queue.size() - before;
            if (page.isEmpty()) {
                storedQueued = 0;
            }
        }
        loadFrom = nextSeq;
        store.removeSession(clientId);
    }

    private static int payloadBytes(OutboundMessage m) {
        byte[] payload = m.message().payload();
        return payload == null ? 0 : payload.length;
    }

    private int allocatePacketId() {
        // The window is at most 65535, so a free ID always exists when this is called.
        while (true) {
            int id = nextPacketId;
            nextPacketId = nextPacketId == 0xFFFF ? 1 : nextPacketId + 1;
            if (!inflight.containsKey(id)) {
                return id;
            }
        }
    }

    private void persistOutbound(OutboundMessage m) {
        if (persistent()) {
            store.saveOutbound(clientId, m);
        }
    }

    private void persistEverything() {
        store.saveSession(meta());
        for (Subscription sub : subscriptions.values()) {
            store.saveSubscription(sub);
        }
        for (OutboundMessage m : inflight.values()) {
            store.saveOutbound(clientId, m);
        }
        for (OutboundMessage m : queue) {
            store.saveOutbound(clientId, m);
        }
        for (int id : inboundQos2) {
            store.saveInboundQos2(clientId, id);
        }
    }

    private SessionMeta meta() {
        return new SessionMeta(clientId, protocolVersion, expirySeconds, disconnectedAt);
    }

    /** The metadata as it would be stored now. */
    synchronized SessionMeta metaNow() {
        return meta();
    }

    /** The inbound QoS 2 packet IDs awaiting PUBREL. */
    synchronized List<Integer> inboundQos2Snapshot() {
        return new ArrayList<>(inboundQos2);
    }

    /** A copy of the subscriptions, for discarding. */
    List<Subscription> subscriptionSnapshot() {
        return new ArrayList<>(subscriptions.values());
    }
}
