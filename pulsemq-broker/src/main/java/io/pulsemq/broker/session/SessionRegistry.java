package io.pulsemq.broker.session;

import io.pulsemq.broker.config.MqttConfig;
import io.pulsemq.broker.subscription.Subscription;
import io.pulsemq.broker.subscription.SubscriptionTrie;
import io.pulsemq.protocol.DisconnectReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * Owns the life of every client ID: which connection is attached to which session, takeovers,
 * session expiry and will messages. Every start and end of a connection passes through here, under
 * the client's lifecycle lock, so for one client ID they are strictly ordered and reported to the
 * {@link LifecycleListener} in that order.
 *
 * <p>Locks: one lifecycle lock per client ID, taken from a fixed array of stripes by hash (never a
 * global lock); a session's own monitor is taken inside it, never the other way round.
 */
public final class SessionRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(SessionRegistry.class);
    private static final int LOCK_STRIPES = 1024;

    private final ConcurrentMap<String, Session> sessions;
    private final SubscriptionTrie subscriptions;
    private final SessionStore store;
    private final WillPublisher wills;
    private final LifecycleListener listener;
    private final ScheduledExecutorService timer;
    private final Clock clock;
    private final MqttConfig config;
    private final ReentrantLock[] locks = new ReentrantLock[LOCK_STRIPES];
    private volatile RemoteKicks remoteKicks = RemoteKicks.NONE;
    private volatile SessionClaims claims = SessionClaims.NONE;

    /**
     * @param sessions      the live session map, shared with the router for lookups
     * @param subscriptions the subscription index, kept in step with session subscriptions
     * @param store         where persistent sessions live
     * @param wills         publishes will messages (the router, in the broker)
     * @param listener      told of every connection start and end
     * @param timer         runs will-delay and session-expiry timers
     */
    public SessionRegistry(ConcurrentMap<String, Session> sessions, SubscriptionTrie subscriptions, SessionStore store,
                           WillPublisher wills, LifecycleListener listener, ScheduledExecutorService timer, Clock clock,
                           MqttConfig config) {
        this.sessions = sessions;
        this.subscriptions = subscriptions;
        this.store = store;
        this.wills = wills;
        this.listener = listener;
        this.timer = timer;
        this.clock = clock;
        this.config = config;
        for (int i = 0; i < LOCK_STRIPES; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    /**
     * The outcome of {@link #connect}.
     *
     * @param session        the session the connection is attached to
     * @param sessionPresent whether an existing session was resumed
     * @param recorded       completes when the connection's start is recorded; the CONNACK waits for it
     */
    public record ConnectResult(Session session, boolean sessionPresent, CompletionStage<?> recorded) {
    }

    /** Whether a new connection may be accepted now (the lifecycle listener keeps up and can record it). */
    public Admission admission() {
        return listener.admission();
    }

    /**
     * Reports a refused connection attempt to the lifecycle listener.
     *
     * @param reason the trace's reason (see {@link LifecycleListener#rejected})
     */
    public void rejected(ConnectionInfo attempt, String reason, String detail) {
        listener.rejected(attempt, reason, detail);
    }

    /**
     * Loads persistent sessions from the store at startup; each starts offline with its expiry timer running. Only
     * what routing and expiry need is read into memory (metadata, subscriptions, counts of the outbound messages);
     * the messages themselves stay in the store until their client returns (see {@link Session}).
     * Then the stored wills: a pending one waits for the rest of its delay (or is published at once if it fell
     * due while the broker was down); an armed one belonged to a connection the broker never ended, i.e. one it
     * lost in a crash, and is treated as a lost connection's will: published now, or pending for its delay if
     * its session persists. Wills are published once every session is back, so that their subscribers get them.
     */
    public int restore() {
        List<Session> restored = new ArrayList<>();
        store.loadAll(stored -> restored.add(Session.restore(stored, store, clock, config.maxQueuedMessages(),
                config.maxQueuedBytes(), Session.DEFAULT_PAGE_SIZE)));
        for (Session s : restored) {
            sessions.put(s.clientId(), s);
            for (Subscription sub : s.subscriptions()) {
                subscriptions.subscribe(sub);
            }
        }
        long now = clock.millis();
        for (Session s : restored) {
            long remainingMs = s.disconnectedAt() + TimeUnit.SECONDS.toMillis(s.expirySeconds()) - now;
            scheduleExpiry(s, Math.max(0, remainingMs));
        }
        store.loadWills((clientId, will) -> restoreWill(clientId, will, now));
        return restored.size();
    }

    private void restoreWill(String clientId, SessionStore.StoredWill will, long now) {
        ReentrantLock lock = lockFor(clientId);
        lock.lock();
        try {
            Session s = sessions.get(clientId);
            long dueAt = will.dueAt();
            if (will.armed()) {
                long delay = s == null ? 0 : Math.min(will.delaySeconds(), s.expirySeconds());
                dueAt = now + TimeUnit.SECONDS.toMillis(delay);
            }
            if (s == null || dueAt <= now) {
                wills.publish(will.message()); // published, then forgotten: a store error here loses no will
                store.removeWill(clientId);
                return;
            }
            if (will.armed()) {
                store.saveWill(clientId, new SessionStore.StoredWill(will.message(), will.delaySeconds(), dueAt));
            }
            s.pendingWill = new Will(will.message(), will.delaySeconds());
            s.willTimer = timer.schedule(() -> fireWill(s), dueAt - now, TimeUnit.MILLISECONDS);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Attaches a newly authenticated connection to its client ID's session. Any connection already
     * attached is ended first (reason {@code session_taken_over}) and reported to the listener before
     * the new one. With clean start, or when no session exists, a new session replaces the old one.
     *
     * @param info          the new connection's facts
     * @param connection    the new connection
     * @param expirySeconds the negotiated session expiry interval (0: ends with the connection)
     * @param will          the connection's will, or null
     */
    public ConnectResult connect(ConnectionInfo info, ClientConnection connection, long expirySeconds, Will will) {
        String clientId = info.clientId();
        ReentrantLock lock = lockFor(clientId);
        lock.lock();
        try {
            Session existing = sessions.get(clientId);
            if (existing != null && existing.current != null) {
                Attachment old = existing.current;
                old.connection().terminate(DisconnectReason.SESSION_TAKEN_OVER);
                end(existing, old, false, DisconnectReason.SESSION_TAKEN_OVER, true);
                existing = sessions.get(clientId);
            }
            Session session;
            boolean present;
            if (existing == null || info.cleanStart()) {
                if (existing != null) {
                    discard(existing);
                }
                session = new Session(clientId, info.protocolVersion(), expirySeconds, store, clock, config.maxQueuedMessages(),
                        config.maxQueuedBytes(), Session.DEFAULT_PAGE_SIZE);
                sessions.put(clientId, session);
                present = false;
            } else {
                session = existing;
                if (session.pendingWill != null && will == null) {
                    store.removeWill(clientId); // back within the will delay: no will [MQTT-3.1.3-9]
                }
                cancelTimers(session);
                present = true;
            }
            session.attach(connection, info.protocolVersion(), expirySeconds);
            session.current = new Attachment(connection, info, will);
            if (will != null) { // armed; replaces a pending one the reconnect withdrew
                store.saveWill(clientId, new SessionStore.StoredWill(will.message(), will.delaySeconds(), 0));
            }
            return new ConnectResult(session, present, listener.connected(info));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Detaches a connection whose start could not be recorded (its {@code connect} never became durable, so for
     * the status log it never existed): no end is recorded and its will is dropped, as the client never got a
     * CONNACK. The session stays as {@link #connect} left it otherwise (a resumed persistent one waits for its
     * client again). Does nothing if another connection is attached by now.
     */
    public void abandon(String clientId, ClientConnection connection) {
        ReentrantLock lock = lockFor(clientId);
        lock.lock();
        try {
            Session session = attachedTo(clientId, connection);
            if (session == null) {
                return;
            }
            Attachment a = session.current;
            session.current = null;
            session.detach(connection);
            if (a.will() != null) {
                store.removeWill(clientId);
            }
            expireLaterOrDiscard(session);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reports the end of a connection. Does nothing when the connection was already ended (by a
     * takeover, a kick or a shutdown): a stale close never touches a newer connection.
     *
     * @param clientSentDisconnect whether the client sent DISCONNECT
     * @param reason               why it ended
     * @param publishWill          whether its will is to be published (false after a normal DISCONNECT)
     */
    public void disconnected(String clientId, ClientConnection connection, boolean clientSentDisconnect,
                             DisconnectReason reason, boolean publishWill) {
        ReentrantLock lock = lockFor(clientId);
        lock.lock();
        try {
            Session session = attachedTo(clientId, connection);
            if (session == null) {
                return;
            }
            end(session, session.current, clientSentDisconnect, reason, publishWill);
        } finally {
            lock.unlock();
        }
    }

    /** Changes a connected session's expiry interval (v5 DISCONNECT with Session Expiry Interval). */
    public void updateExpiry(String clientId, ClientConnection connection, long expirySeconds) {
        ReentrantLock lock = lockFor(clientId);
        lock.lock();
        try {
            Session session = sessions.get(clientId);
            if (session != null && session.current != null && session.current.connection() == connection) {
                session.expirySeconds(expirySeconds);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes a client's connection from the broker's side (reason {@code kicked}); its will is
     * published. Completes with true once the end is recorded, or with false when the client
     * is not connected (here, nor, in a cluster, on the node the status log says it is connected to).
     */
    public CompletionStage<Boolean> kick(String clientId) {
        CompletionStage<Boolean> here = kickIf(clientId, info -> true);
        RemoteKicks remote = remoteKicks;
        return remote == RemoteKicks.NONE ? here
                : here.thenCompose(kicked -> kicked ? CompletableFuture.completedFuture(true) : remote.kick(clientId));
    }

    /** {@link #kick}, of a connection attached here only (never asks another node). */
    public CompletionStage<Boolean> kickHere(String clientId) {
        return kickIf(clientId, info -> true);
    }

    /** Who kicks a client connected to another node (cluster mode); {@link RemoteKicks#NONE} until set. */
    public void useRemoteKicks(RemoteKicks kicks) {
        this.remoteKicks = kicks;
    }

    /**
     * {@link #kick} if the client's current connection is one {@code which} accepts (for instance: the one that
     * logged in with a credential just revoked); completes with false at once otherwise.
     */
    public CompletionStage<Boolean> kickIf(String clientId, Predicate<ConnectionInfo> which) {
        ReentrantLock lock = lockFor(clientId);
        lock.lock();
        try {
            Session session = sessions.get(clientId);
            if (session == null || session.current == null || !which.test(session.current.info())) {
                return CompletableFuture.completedFuture(false);
            }
            Attachment a = session.current;
            a.connection().terminate(DisconnectReason.KICKED);
            return end(session, a, false, DisconnectReason.KICKED, true).thenApply(done -> true);
        } finally {
            lock.unlock();
        }
    }

    /** Who brings sessions other nodes hold (cluster mode); {@link SessionClaims#NONE} until set. */
    public void useSessionClaims(SessionClaims c) {
        this.claims = c;
    }

    /**
     * What a connection waits for before {@link #connect}: on one node nothing; in a cluster, that a persistent session
     * of the client another node holds has been moved here. Only a connection that asks to resume (no clean start)
     * and finds no session here asks.
     */
    public CompletionStage<Void> claim(ConnectionInfo info) {
        SessionClaims c = claims;
        if (c == SessionClaims.NONE || info.cleanStart() || sessions.containsKey(info.clientId())) {
            return LifecycleListener.DONE;
        }
        return c.claim(info);
    }

    /**
     * Gives up a client's persistent session to another node (cluster mode): a connection attached here is ended
     * first (DISCONNECT {@code session_taken_over}, recorded), the session's state is read, and the session is
     * discarded here without publishing its pending will (the client is back, on the other node).
     *
     * @return completes, once the end (if any) is recorded, with the session, or null when there is no persistent
     *         session of the client here
     */
    public CompletionStage<SessionSnapshot> export(String clientId) {
        ReentrantLock lock = lockFor(clientId);
        lock.lock();
        try {
            Session session = sessions.get(clientId);
            if (session == null || !session.persistent()) {
                return CompletableFuture.completedFuture(null);
            }
            CompletionStage<?> recorded = LifecycleListener.DONE;
            if (session.current != null) {
                Attachment a = session.current;
                a.connection().terminate(DisconnectReason.SESSION_TAKEN_OVER);
                recorded = end(session, a, false, DisconnectReason.SESSION_TAKEN_OVER, true);
            }
            List<SessionStore.OutboundMessage> outbound = new ArrayList<>();
            for (long from = 0; ; ) {
                List<SessionStore.OutboundMessage> page = store.loadOutbound(clientId, from, 1000);
                if (page.isEmpty()) {
                    break;
                }
                outbound.addAll(page);
                from = page.get(page.size() - 1).seq() + 1;
            }
            SessionSnapshot snapshot = new SessionSnapshot(session.metaNow(), session.subscriptionSnapshot(), outbound,
                    session.inboundQos2Snapshot());
            if (session.pendingWill != null) { // the client is back within the will delay [MQTT-3.1.3-9]
                store.removeWill(clientId);
            }
            cancelTimers(session); // drops the pending will before the discard could publish it
            discard(session);
            return recorded.handle((ignored, error) -> snapshot);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Installs a persistent session moved here from another node ({@link #export} there): stored, subscribed and
     * offline with its expiry running, ready for its client's connection. Ignored when the client has a session here
     * already (a newer one).
     */
    public void adopt(SessionSnapshot snapshot) {
        String clientId = snapshot.meta().clientId();
        ReentrantLock lock = lockFor(clientId);
        lock.lock();
        try {
            if (sessions.containsKey(clientId)) {
                return;
            }
            store.saveSession(snapshot.meta());
            SessionStore.OutboundSummary summary = SessionStore.OutboundSummary.EMPTY;
            for (Subscription sub : snapshot.subscriptions()) {
                store.saveSubscription(sub);
            }
            for (SessionStore.OutboundMessage m : snapshot.outbound()) {
                store.saveOutbound(clientId, m);
                summary = summary.plus(m.seq(), m.state(), m.message().payload().length);
            }
            for (int id : snapshot.inboundQos2()) {
                store.saveInboundQos2(clientId, id);
            }
            Session s = Session.restore(new SessionStore.StoredSession(snapshot.meta(), snapshot.subscriptions(), summary,
                    snapshot.inboundQos2()), store, clock, config.maxQueuedMessages(), config.maxQueuedBytes(),
                    Session.DEFAULT_PAGE_SIZE);
            sessions.put(clientId, s);
            for (Subscription sub : s.subscriptions()) {
                subscriptions.subscribe(sub);
            }
            scheduleExpiry(s, TimeUnit.SECONDS.toMillis(s.expirySeconds()));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends connection {@code connectionId} of {@code clientId} because the client moves to another node (cluster
     * takeover): the client gets DISCONNECT {@code session_taken_over}, the end is recorded, the will is published,
     * and the session is discarded here (the client's session is where the client is now).
     *
     * @return completes with true once the end is recorded, or at once with false when that connection is not
     *         attached here (any more)
     */
    public CompletionStage<Boolean> handOver(String clientId, String connectionId) {
        ReentrantLock lock = lockFor(clientId);
        lock.lock();
        try {
            Session session = attachedWith(clientId, connectionId);
            if (session == null) {
                return CompletableFuture.completedFuture(false);
            }
            Attachment a = session.current;
            a.connection().terminate(DisconnectReason.SESSION_TAKEN_OVER);
            CompletionStage<?> recorded = end(session, a, false, DisconnectReason.SESSION_TAKEN_OVER, true);
            discard(session);
            return recorded.thenApply(done -> true);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes connection {@code connectionId} of {@code clientId} without recording anything: another node has
     * already logged its end, or a newer connection of the client (a takeover that could not wait for this node, or
     * the survivors ending this node's connections while it was cut off). The client gets DISCONNECT
     * {@code session_taken_over}; its will is published, and its session is discarded here. Does nothing if that
     * connection is not attached.
     *
     * @return whether the connection was attached and is closed now
     */
    public boolean release(String clientId, String connectionId) {
        ReentrantLock lock = lockFor(clientId);
        lock.lock();
        try {
            Session session = attachedWith(clientId, connectionId);
            if (session == null) {
                return false;
            }
            Attachment a = session.current;
            session.current = null;
            session.detach(a.connection());
            a.connection().terminate(DisconnectReason.SESSION_TAKEN_OVER);
            if (a.will() != null) {
                wills.publish(a.will().message());
                store.removeWill(clientId);
            }
            discard(session);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The session of a client ID, or null. */
    public Session get(String clientId) {
        return sessions.get(clientId);
    }

    /** Whether a client has a connection attached right now. */
    public boolean isConnected(String clientId) {
        Session s = sessions.get(clientId);
        return s != null && s.current != null;
    }

    /** Number of sessions, connected or not. */
    public int sessionCount() {
        return sessions.size();
    }

    /**
     * Graceful stop: every connection is ended with reason {@code server_shutdown} (v5 clients get
     * DISCONNECT 0x8B); persistent sessions stay in the store. The broker closes these connections, not their
     * clients, so their wills stand [MQTT-3.1.2-8]: a will without delay (or whose session ends with the
     * connection) is published now; a delayed one is kept with its session and published after the restart
     * when its delay has passed, unless the client is back first. Pending wills of sessions that were already
     * offline are kept the same way.
     */
    public void shutdown() {
        for (Session session : new ArrayList<>(sessions.values())) {
            ReentrantLock lock = lockFor(session.clientId());
            lock.lock();
            try {
                Attachment a = session.current;
                if (a != null) {
                    a.connection().terminate(DisconnectReason.SERVER_SHUTDOWN);
                    end(session, a, false, DisconnectReason.SERVER_SHUTDOWN, true);
                }
                cancelTimers(session);
            } finally {
                lock.unlock();
            }
        }
    }

    /** Ends an attachment; the caller holds the client's lock. Completes when the end is recorded. */
    private CompletionStage<?> end(Session session, Attachment a, boolean clientSentDisconnect, DisconnectReason reason,
                                   boolean publishWill) {
        session.current = null;
        session.detach(a.connection());
        CompletionStage<?> recorded = listener.disconnected(a.info(), clientSentDisconnect, reason);
        Will will = a.will();
        if (will != null) {
            long delay = Math.min(will.delaySeconds(), session.expirySeconds());
            if (publishWill && delay > 0) {
                session.pendingWill = will;
                session.willTimer = timer.schedule(() -> fireWill(session), delay, TimeUnit.SECONDS);
                store.saveWill(session.clientId(), new SessionStore.StoredWill(will.message(), will.delaySeconds(),
                        clock.millis() + TimeUnit.SECONDS.toMillis(delay)));
            } else {
                if (publishWill) {
                    wills.publish(will.message()); // before it is deleted, so that a failure keeps it stored
                }
                store.removeWill(session.clientId());
            }
        }
        expireLaterOrDiscard(session);
        return recorded;
    }

    /** The session connection {@code connectionId} is attached to right now, or null; the caller holds the lock. */
    private Session attachedWith(String clientId, String connectionId) {
        Session session = sessions.get(clientId);
        return session != null && session.current != null
                && session.current.info().connectionId().equals(connectionId) ? session : null;
    }

    /** The session {@code connection} is attached to right now, or null; the caller holds the client's lock. */
    private Session attachedTo(String clientId, ClientConnection connection) {
        Session session = sessions.get(clientId);
        return session != null && session.current != null && session.current.connection() == connection ? session : null;
    }

    /** After its connection ended: a persistent session waits for its expiry, any other one goes now. */
    private void expireLaterOrDiscard(Session session) {
        if (session.persistent()) {
            scheduleExpiry(session, TimeUnit.SECONDS.toMillis(session.expirySeconds()));
        } else {
            discard(session);
        }
    }

    private void fireWill(Session session) {
        ReentrantLock lock = lockFor(session.clientId());
        lock.lock();
        try {
            if (session.pendingWill != null && session.current == null && sessions.get(session.clientId()) == session) {
                Will will = session.pendingWill;
                session.pendingWill = null;
                session.willTimer = null;
                wills.publish(will.message());
                store.removeWill(session.clientId());
            }
        } finally {
            lock.unlock();
        }
    }

    private void scheduleExpiry(Session session, long delayMs) {
        if (session.expiryTimer != null) {
            session.expiryTimer.cancel(false);
        }
        session.expiryTimer = timer.schedule(() -> expire(session), delayMs, TimeUnit.MILLISECONDS);
    }

    private void expire(Session session) {
        ReentrantLock lock = lockFor(session.clientId());
        lock.lock();
        try {
            if (session.current == null && sessions.get(session.clientId()) == session) {
                LOG.debug("session {} expired", session.clientId());
                discard(session);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Removes a session everywhere; a pending will is published now (the session ends). */
    private void discard(Session session) {
        sessions.remove(session.clientId(), session);
        for (Subscription sub : session.subscriptionSnapshot()) {
            subscriptions.unsubscribe(sub.clientId(), sub.fullFilter());
        }
        Will pending = session.pendingWill;
        cancelTimers(session);
        if (pending != null) {
            wills.publish(pending.message()); // before the session (and its stored will) is deleted
        }
        if (session.persistent()) {
            store.removeSession(session.clientId());
        }
    }

    private static void cancelTimers(Session session) {
        if (session.willTimer != null) {
            session.willTimer.cancel(false);
            session.willTimer = null;
        }
        session.pendingWill = null;
        if (session.expiryTimer != null) {
            session.expiryTimer.cancel(false);
            session.expiryTimer = null;
        }
    }

    private ReentrantLock lockFor(String clientId) {
        int h = clientId.hashCode();
        return locks[Math.floorMod(h ^ (h >>> 16), LOCK_STRIPES)];
    }

    /** A connection attached to a session, with what its end needs. */
    record Attachment(ClientConnection connection, ConnectionInfo info, Will will) {
    }
}
