package io.pulsemq.broker.routing;

import io.pulsemq.broker.limits.Limit;
import io.pulsemq.broker.limits.LimitHits;
import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.retained.RetainedLimits;
import io.pulsemq.broker.retained.RetainedStore;
import io.pulsemq.broker.session.Session;
import io.pulsemq.broker.subscription.Subscription;
import io.pulsemq.broker.subscription.SubscriptionTrie;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Routes published messages to the sessions whose subscriptions match, and keeps the retained
 * messages. Thread-safe and lock-free on its own: it reads the subscription index and hands each
 * message to a session, whose monitor orders the deliveries to that client.
 *
 * <p>A client with several matching subscriptions receives the message once, at the highest granted
 * QoS, with every matching subscription identifier [MQTT-3.3.4-2, MQTT-3.3.4-3]. Each matching
 * shared subscription group receives it once, at one member chosen round-robin among the connected
 * members (any member when none is connected).
 *
 * <p>ApsaraMQ point-to-point: a message published to {@code <parentTopic>/p2p/<clientId>} reaches that
 * client's session without a subscription, at the publisher's QoS (once, even if the client also
 * subscribed to a matching filter).
 *
 * <p>{@link PublishListener}s see every published message after it was handed to the subscribers, on
 * the publisher's thread, including those another cluster node sent here ({@link #deliverRemote}).
 *
 * <p>Cluster mode: a message published here (its {@link Message#origin() origin} is null) is also handed to the
 * {@link RemoteRoutes}, which sends it to the nodes with matching subscriptions and picks, for each matching shared
 * group, the one node that delivers it; here, only the groups picked here deliver it. A message from another node
 * ({@link #deliverRemote}) reaches this node's subscribers only: it is never forwarded again and never changes the
 * retained store (retained messages are replicated apart from routing).
 */
public final class Router {

    /** What {@link #publish(Message, WhenNotRetained)} does with a message whose retained copy a limit refuses. */
    public enum WhenNotRetained {
        /** Deliver it to the current subscribers all the same; it is just not kept for later ones. */
        DELIVER,
        /** Do nothing with it: the publisher is told (MQTT 5 reason code 0x97) and may decide. */
        DROP
    }

    private final SubscriptionTrie subscriptions;
    private final RetainedStore retained;
    private final RetainedLimits retainedLimits;
    private final LimitHits limitHits;
    private final Function<String, Session> sessions;
    private final Clock clock;
    private final RemoteRoutes remote;
    private final Map<String, AtomicInteger> sharedCursors = new ConcurrentHashMap<>();
    private final List<PublishListener> listeners = new CopyOnWriteArrayList<>();

    private final LongAdder published = new LongAdder();
    private final LongAdder fromRemote = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder dropped = new LongAdder();

    /**
     * @param subscriptions the subscription index
     * @param retained      retained messages
     * @param sessions      looks up a session by client ID
     */
    public Router(SubscriptionTrie subscriptions, RetainedStore retained, Function<String, Session> sessions, Clock clock) {
        this(subscriptions, retained, sessions, clock, RetainedLimits.NONE, new LimitHits());
    }

    /**
     * @param retainedLimits how many retained messages (and bytes of them) {@code retained} may hold
     * @param limitHits      counts refused retained messages and messages dropped for full session queues
     */
    public Router(SubscriptionTrie subscriptions, RetainedStore retained, Function<String, Session> sessions, Clock clock,
                  RetainedLimits retainedLimits, LimitHits limitHits) {
        this(subscriptions, retained, sessions, clock, retainedLimits, limitHits, RemoteRoutes.NONE);
    }

    /**
     * @param remote the other nodes of the cluster; {@link RemoteRoutes#NONE} in single-node mode
     */
    public Router(SubscriptionTrie subscriptions, RetainedStore retained, Function<String, Session> sessions, Clock clock,
                  RetainedLimits retainedLimits, LimitHits limitHits, RemoteRoutes remote) {
        this.remote = remote;
        this.subscriptions = subscriptions;
        this.retained = retained;
        this.retainedLimits = retainedLimits;
        this.limitHits = limitHits;
        this.sessions = sessions;
        this.clock = clock;
    }

    /**
     * Publishes a message: updates the retained store when the RETAIN flag is set (an empty payload
     * removes the topic's retained message [MQTT-3.3.1-6]) and delivers it to every matching subscriber,
     * also when the retained limits keep it from being retained. In cluster mode it also goes to the other nodes with
     * matching subscriptions. A message with an {@link Message#origin() origin} (from another node) is delivered as
     * {@link #deliverRemote} delivers it, to every matching group here, and returns true.
     *
     * @return false if the message was to be retained and a limit kept it from that (it was delivered)
     */
    public boolean publish(Message message) {
        return publish(message, WhenNotRetained.DELIVER);
    }

    /**
     * Publishes a message as {@link #publish(Message)} does, except that {@code whenNotRetained} says what happens
     * when the retained limits refuse its retained copy (the refusal is counted either way).
     *
     * @return false if the message was to be retained and a limit kept it from that
     */
    public boolean publish(Message message, WhenNotRetained whenNotRetained) {
        if (message.origin() != null) {
            deliverRemote(message, RemoteRoutes.SharedPicks.ALL);
            return true;
        }
        published.increment();
        boolean kept = true;
        if (message.retain()) {
            if (message.payload().length == 0) {
                retained.remove(message.topic());
            } else {
                Limit refused = retainedLimits.refusal(retained, message);
                if (refused == null) {
                    retained.put(message);
                } else {
                    limitHits.hit(refused);
                    if (whenNotRetained == WhenNotRetained.DROP) {
                        return false;
                    }
                    kept = false;
                }
            }
        }
        route(message, remote.forward(message));
        return kept;
    }

    /**
     * Delivers a message another cluster node sent here to this node's subscribers only: plain subscriptions and
     * point-to-point targets as {@link #publish} does, shared groups only where {@code picks} says so (the sender picked
     * this node for them); then the publish listeners. It is not forwarded and does not change the retained store.
     *
     * @param message a message whose {@link Message#origin() origin} is the node that sent it
     */
    public void deliverRemote(Message message, RemoteRoutes.SharedPicks picks) {
        if (message.origin() == null) {
            throw new IllegalArgumentException("a message from another node names its origin: " + message.topic());
        }
        fromRemote.increment();
        route(message, picks);
    }

    /**
     * Declares interest in messages other nodes publish on topics matching {@code filter}, for a publish listener that
     * reads them without a subscription (see {@link RemoteRoutes#addInterest}); nothing in single-node mode.
     */
    public void addInterest(String filter) {
        remote.addInterest(filter);
    }

    /** Undoes one {@link #addInterest}. */
    public void removeInterest(String filter) {
        remote.removeInterest(filter);
    }

    private void route(Message message, RemoteRoutes.SharedPicks picks) {
        Collector collector = new Collector(message, picks);
        subscriptions.match(message.topic(), collector);
        collector.deliverAll();
        for (PublishListener l : listeners) {
            l.published(message);
        }
    }

    /** Adds a listener told of every published message (see {@link PublishListener} for its duties). */
    public void addPublishListener(PublishListener listener) {
        listeners.add(listener);
    }

    /** Removes a listener added by {@link #addPublishListener}. */
    public void removePublishListener(PublishListener listener) {
        listeners.remove(listener);
    }

    /**
     * The target client ID of an ApsaraMQ point-to-point topic {@code <parent>/p2p/<clientId>}, or null when
     * {@code topic} is not one.
     */
    public static String p2pTarget(String topic) {
        int first = topic.indexOf('/');
        if (first <= 0 || !topic.startsWith("/p2p/", first)) {
            return null;
        }
        String target = topic.substring(first + 5);
        return target.isEmpty() ? null : target;
    }

    /**
     * Sends the retained messages matching a new subscription to its session, with RETAIN set
     * [MQTT-3.3.1-8]. Shared subscriptions get none (MQTT 5.0 section 4.8.2).
     */
    public void deliverRetained(Session session, Subscription sub) {
        if (sub.shared()) {
            return;
        }
        long now = clock.millis();
        List<Integer> ids = sub.subscriptionId() == 0 ? List.of() : List.of(sub.subscriptionId());
        retained.match(sub.filter(), m -> {
            if (!m.expiredAt(now)) {
                count(session.offer(m.withQosAndRetain(Math.min(m.qos(), sub.qos()), true), ids));
            }
        });
    }

    /** Messages published on this node since start. */
    public long publishedCount() {
        return published.sum();
    }

    /** Messages other cluster nodes sent here since start. */
    public long fromRemoteCount() {
        return fromRemote.sum();
    }

    /** Deliveries handed to sessions (sent or queued). */
    public long deliveredCount() {
        return delivered.sum();
    }

    /** Deliveries dropped (offline or congested QoS 0, full queue, too large, expired). */
    public long droppedCount() {
        return dropped.sum();
    }

    private void count(Session.OfferResult result) {
        switch (result) {
            case ACCEPTED -> delivered.increment();
            case DROPPED_QUEUE_FULL -> {
                dropped.increment();
                limitHits.hit(Limit.MQTT_MAX_QUEUED_MESSAGES);
            }
            case DROPPED_QUEUE_BYTES -> {
                dropped.increment();
                limitHits.hit(Limit.MQTT_MAX_QUEUED_BYTES);
            }
            default -> dropped.increment();
        }
    }

    private void deliver(Session session, Message message, int qos, boolean retainFlag, List<Integer> ids) {
        count(session.offer(message.withQosAndRetain(Math.min(message.qos(), qos), retainFlag), ids));
    }

    /** Gathers one publish's matches so each client receives it once. Not thread-safe; one per publish. */
    private final class Collector implements SubscriptionTrie.MatchSink {
        private final Message message;
        private final RemoteRoutes.SharedPicks picks;
        private Subscription single;
        private Map<String, Aggregate> many;

        Collector(Message message, RemoteRoutes.SharedPicks picks) {
            this.message = message;
            this.picks = picks;
        }

        @Override
        public void plain(Subscription s) {
            if (s.noLocal() && s.clientId().equals(message.publisherId())) {
                return; // [MQTT-3.8.3-3]
            }
            if (single == null && many == null) {
                single = s;
                return;
            }
            if (many == null) {
                many = new HashMap<>();
                aggregate(single);
                single = null;
            }
            aggregate(s);
        }

        private void aggregate(Subscription s) {
            many.computeIfAbsent(s.clientId(), k -> new Aggregate()).add(s, message.retain());
        }

        @Override
        public void shared(String shareName, String filter, List<Subscription> group) {
            if (group.isEmpty() || !picks.here(shareName, filter)) {
                return; // another node of the cluster delivers it to this group
            }
            AtomicInteger cursor = sharedCursors.computeIfAbsent(shareName + '/' + filter, k -> new AtomicInteger());
            int start = Math.floorMod(cursor.getAndIncrement(), group.size());
            Subscription chosen = null;
            Session chosenSession = null;
            for (int i = 0; i < group.size(); i++) {
                Subscription candidate = group.get((start + i) % group.size());
                Session s = sessions.apply(candidate.clientId());
                if (s == null) {
                    continue;
                }
                if (chosen == null) {
                    chosen = candidate;
                    chosenSession = s;
                }
                if (s.connection() != null) {
                    chosen = candidate;
                    chosenSession = s;
                    break;
                }
            }
            if (chosen != null) {
                List<Integer> ids = chosen.subscriptionId() == 0 ? List.of() : List.of(chosen.subscriptionId());
                deliver(chosenSession, message, chosen.qos(), chosen.retainAsPublished() && message.retain(), ids);
            }
        }

        void deliverAll() {
            String p2p = p2pTarget(message.topic());
            if (p2p != null && !(single != null && single.clientId().equals(p2p)) && !(many != null && many.containsKey(p2p))) {
                Session target = sessions.apply(p2p);
                if (target != null) {
                    Router.this.deliver(target, message, message.qos(), false, List.of());
                }
            }
            if (single != null) {
                Session s = sessions.apply(single.clientId());
                if (s != null) {
                    List<Integer> ids = single.subscriptionId() == 0 ? List.of() : List.of(single.subscriptionId());
                    Router.this.deliver(s, message, single.qos(), single.retainAsPublished() && message.retain(), ids);
                }
            } else if (many != null) {
                for (Map.Entry<String, Aggregate> e : many.entrySet()) {
                    Session s = sessions.apply(e.getKey());
                    if (s != null) {
                        Aggregate a = e.getValue();
                        Router.this.deliver(s, message, a.qos, a.retain, a.ids == null ? List.of() : a.ids);
                    }
                }
            }
        }
    }

    /** The combined options of one client's matching subscriptions. */
    private static final class Aggregate {
        int qos;
        boolean retain;
        List<Integer> ids;

        void add(Subscription s, boolean messageRetain) {
            qos = Math.max(qos, s.qos());
            retain |= s.retainAsPublished() && messageRetain;
            if (s.subscriptionId() != 0) {
                if (ids == null) {
                    ids = new ArrayList<>(2);
                }
                ids.add(s.subscriptionId());
            }
        }
    }
}
