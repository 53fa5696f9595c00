package io.pulsemq.broker.cluster.routes;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.pulsemq.broker.cluster.NodeHeartbeats;
import io.pulsemq.broker.cluster.routes.RouteWire.Announcement;
import io.pulsemq.broker.cluster.routes.RouteWire.Group;
import io.pulsemq.broker.cluster.routes.RouteWire.Routed;
import io.pulsemq.broker.cluster.routes.RouteWire.Sync;
import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.routing.RemoteRoutes;
import io.pulsemq.broker.routing.Router;
import io.pulsemq.broker.store.MessageCodec;
import io.pulsemq.broker.store.WriteBarrier;
import io.pulsemq.broker.subscription.SubscriptionTrie;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * Messages between cluster nodes on core NATS, by interest: each node announces its subscription filters
 * ({@link LocalInterest}) on {@link RouteSubjects#interest}, keeps every node's in an {@link InterestTable}, and sends
 * a message published here once to each node with a matching filter, or picked for a matching shared group, on that
 * node's {@link RouteSubjects#messages} subject; the receiving node delivers it with {@link Router#deliverRemote}.
 *
 * <p><b>Guarantees.</b> One NATS connection per node publishes in call order, so one publisher's messages on one
 * topic reach every node in order. QoS 0 messages are sent once (core NATS: at most once). A QoS 1 or 2 message gets
 * an ID and is acknowledged by each receiving node once it has handed it to its sessions and stored it where they are
 * persistent; unacknowledged, it is sent again every second (the receiver drops what it has seen, so a QoS 2 message is
 * delivered once) until every node has acknowledged it, is declared dead, or 10 s have passed. The publisher's PUBACK
 * or PUBREC waits for that through {@link #acks()}. A message sent again may arrive after later ones of its publisher.
 * A new filter's announcement is acknowledged by every node known at the time, and its SUBACK waits for that (up to
 * 2 s for a node that does not answer), so a message published on another node after the SUBACK reaches it.
 *
 * <p><b>Joining.</b> {@link #start} announces this node's snapshot and asks every node for theirs; until they have
 * arrived ({@link #syncedWith}), messages published here do not reach subscribers elsewhere. Nodes announce a digest
 * every {@code digestInterval}; a digest or delta that reveals a gap, or a node restarted with a new epoch, makes this
 * node ask that node for a snapshot again.
 *
 * <p><b>Leaving.</b> A node's interest is dropped when {@link NodeHeartbeats} declares it dead ({@link #dead}); it is
 * learned again from its next announcement.
 *
 * <p>Threading: {@link #forward} runs on publisher threads and does not block (given a NATS connection that discards
 * rather than waits when its outgoing queue is full); announcements and routed messages are handled on a NATS
 * dispatcher thread each; digests are sent from a thread of its own.
 */
public final class NatsRoutes implements RemoteRoutes, NodeHeartbeats.Listener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NatsRoutes.class);
    private static final Duration FLUSH_WAIT = Duration.ofSeconds(10);
    private static final long RESEND_CHECK_MS = 250;
    private static final long RESEND_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Message IDs remembered per origin node to drop copies sent again: far more than 10 s of resends. */
    private static final int SEEN_PER_ORIGIN = 200_000;
    private static final long INTEREST_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final byte[] NO_FRAME = new byte[0];

    private final Connection nats;
    private final RouteSubjects subjects;
    private final String node;
    private final Duration digestInterval;
    private final InterestTable table;
    private final LocalInterest local;
    private final Dispatcher announcements;
    private final Map<String, String> messageSubjects = new ConcurrentHashMap<>();
    private final LongAdder forwarded = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private volatile Dispatcher messages;
    private volatile ScheduledExecutorService digests;
    private volatile WriteBarrier receiverWrites = WriteBarrier.NONE;
    /** Acknowledged messages routed from here that some node has not acknowledged yet, by ID. */
    private final ConcurrentSkipListMap<Long, Pending> outstanding = new ConcurrentSkipListMap<>();
    private final AtomicLong nextId = new AtomicLong();
    private final String ackSubject;
    /** Tasks waiting for every acknowledged message up to an ID, by that ID; guarded by itself. */
    private final TreeMap<Long, List<Runnable>> waiting = new TreeMap<>();
    private final ThreadLocal<long[]> sentHere = ThreadLocal.withInitial(() -> new long[2]); // [count, last ID]
    /** Recently received acknowledged message IDs per origin node, to drop what is sent again. */
    private final Map<String, Set<Long>> seen = new ConcurrentHashMap<>();
    private final LongAdder resent = new LongAdder();
    private final WriteBarrier acks = new AckBarrier();

    /**
     * Starts following the other nodes' announcements (and answering their snapshot requests). Messages are neither
     * sent nor received before {@link #start}.
     *
     * @param node           this node's name, unique in the cluster
     * @param digestInterval how often this node announces where its announcements stand
     */
    public NatsRoutes(Connection nats, RouteSubjects subjects, String node, Duration digestInterval) {
        this.nats = nats;
        this.subjects = subjects;
        this.node = node;
        this.digestInterval = digestInterval;
        this.table = new InterestTable(node);
        this.local = new LocalInterest(node, ThreadLocalRandom.current().nextLong(), table, this::announce);
        this.announcements = nats.createDispatcher(this::heard);
        announcements.subscribe(subjects.allInterest());
        this.ackSubject = subjects.acks(node);
    }

    /**
     * What acknowledgements to publishers wait for: that every QoS 1 or 2 message the calling thread routed to other
     * nodes is acknowledged by them (combine with the store's: {@link WriteBarrier#then}).
     */
    public WriteBarrier acks() {
        return acks;
    }

    /** What the subscription trie tells of this node's subscriptions ({@code new SubscriptionTrie(routes.interest())}). */
    public SubscriptionTrie.Listener interest() {
        return local;
    }

    /**
     * Starts receiving the messages other nodes route here (into {@code router}), announces this node's interest and
     * asks every other node for theirs, and starts the digests. Returns once NATS has confirmed the subscriptions.
     *
     * @throws TimeoutException if NATS does not confirm within 10 s
     */
    public void start(Router router) throws TimeoutException, InterruptedException {
        start(router, WriteBarrier.NONE);
    }

    /**
     * {@link #start(Router)}, acknowledging a routed QoS 1 or 2 message only once the writes its delivery handed to
     * {@code writes} (the store's writer) are applied.
     */
    public void start(Router router, WriteBarrier writes) throws TimeoutException, InterruptedException {
        this.receiverWrites = writes;
        Dispatcher d = nats.createDispatcher(m -> receive(router, m));
        d.subscribe(subjects.messages(node));
        d.subscribe(ackSubject);
        d.subscribe(ackSubject + ".*"); // acknowledgements of this node's new subscriptions, by ID
        messages = d;
        nats.flush(FLUSH_WAIT); // both subscriptions are in place before anyone answers or routes here
        local.announceSnapshot();
        announce(new Sync(node, ""));
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                new DefaultThreadFactory("pulsemq-routes", true));
        long every = digestInterval.toMillis();
        timer.scheduleAtFixedRate(local::announceDigest, every, every, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::resendUnacknowledged, RESEND_CHECK_MS, RESEND_CHECK_MS,
                TimeUnit.MILLISECONDS);
        digests = timer;
    }

    @Override
    public SharedPicks forward(Message message) {
        InterestTable.Plan plan = table.route(message.topic());
        if (plan.isEmpty()) {
            return SharedPicks.ALL;
        }
        byte[] record = MessageCodec.encodeMessage(message);
        if (message.qos() == 0) {
            for (Map.Entry<String, List<Group>> target : plan.targets().entrySet()) {
                send(target.getKey(), RouteWire.encodeRouted(node, target.getValue(), record), null, message.topic());
            }
            return plan.picks();
        }
        long id = nextId.incrementAndGet();
        Pending p = new Pending(System.nanoTime());
        for (Map.Entry<String, List<Group>> target : plan.targets().entrySet()) {
            p.frames.put(target.getKey(), RouteWire.encodeRouted(node, id, target.getValue(), record));
        }
        outstanding.put(id, p); // before sending: an acknowledgement may come back at once
        long[] mine = sentHere.get();
        mine[0]++;
        mine[1] = id;
        p.frames.forEach((to, frame) -> send(to, frame, ackSubject, message.topic()));
        return plan.picks();
    }

    private void send(String to, byte[] frame, String replyTo, String topic) {
        try {
            nats.publish(messageSubjects.computeIfAbsent(to, subjects::messages), replyTo, frame);
            forwarded.increment();
        } catch (RuntimeException e) { // not connected, outgoing queue full, larger than NATS's max_payload
            failed.increment();
            LOG.debug("routes: a message on {} for node {} was not sent: {}", topic, to, e.getMessage());
        }
    }

    /** Sends again what a node has not acknowledged within a second; gives up on it after 10 s. */
    private void resendUnacknowledged() {
        long now = System.nanoTime();
        for (Map.Entry<Long, Pending> e : outstanding.entrySet()) {
            Pending p = e.getValue();
            if (p.interest) {
                if (now - p.created > INTEREST_WAIT_NANOS) { // a node that does not answer holds no SUBACK longer
                    LOG.debug("routes: subscription {} not acknowledged by {} in time", e.getKey(), p.frames.keySet());
                    done(e.getKey());
                }
                continue;
            }
            if (now - p.created > GIVE_UP_NANOS) {
                failed.add(p.frames.size());
                LOG.warn("routes: message {} was not acknowledged by {} within 10 s; given up", e.getKey(),
                        p.frames.keySet());
                done(e.getKey());
            } else if (now - p.lastSent > RESEND_NANOS) {
                p.lastSent = now;
                p.frames.forEach((to, frame) -> {
                    resent.increment();
                    send(to, frame, ackSubject, "(resent)");
                });
            }
        }
    }

    private void acknowledged(RouteWire.Ack ack) {
        Pending p = outstanding.get(ack.id());
        if (p != null && p.frames.remove(ack.node()) != null && p.frames.isEmpty()) {
            done(ack.id());
        }
    }

    /** A message every node acknowledged (or that was given up): what waited for it may go. */
    private void done(long id) {
        if (outstanding.remove(id) == null) {
            return;
        }
        List<Runnable> ready = new ArrayList<>();
        synchronized (waiting) {
            long lowest = outstanding.isEmpty() ? Long.MAX_VALUE : outstanding.firstKey();
            var due = waiting.headMap(lowest, false);
            due.values().forEach(ready::addAll);
            due.clear();
        }
        ready.forEach(Runnable::run);
    }

    /** Messages sent again because a node had not acknowledged them. */
    public long resentCount() {
        return resent.sum();
    }

    /** Acknowledgements to publishers wait for the other nodes' acknowledgements of what they routed. */
    private final class AckBarrier implements WriteBarrier {
        @Override
        public long handedOver() {
            return sentHere.get()[0];
        }

        @Override
        public void afterWrites(Runnable task) {
            long mark = sentHere.get()[1];
            if (outstanding.isEmpty() || outstanding.firstKey() > mark) {
                // this thread's messages are all acknowledged (its IDs were in the map before it asked): no lock
                task.run();
                return;
            }
            synchronized (waiting) {
                if (!outstanding.isEmpty() && outstanding.firstKey() <= mark) {
                    waiting.computeIfAbsent(mark, k -> new ArrayList<>(1)).add(task);
                    return;
                }
            }
            task.run();
        }

        @Override
        public boolean congested() {
            return false;
        }

        @Override
        public void whenUncongested(Runnable task) {
            task.run();
        }
    }

    /** One acknowledged message routed from here: what is still to be acknowledged, by node. */
    private static final class Pending {
        final Map<String, byte[]> frames = new ConcurrentHashMap<>();
        final long created;
        /** A new subscription's announcement, not a message: waited for, never sent again. */
        final boolean interest;
        volatile long lastSent;

        Pending(long now) {
            this(now, false);
        }

        Pending(long now, boolean interest) {
            this.created = now;
            this.lastSent = now;
            this.interest = interest;
        }
    }

    @Override
    public void addInterest(String filter) {
        local.add(filter);
    }

    @Override
    public void removeInterest(String filter) {
        local.remove(filter);
    }

    /** {@code node} is declared dead: its interest goes. */
    @Override
    public void dead(String deadNode) {
        table.forget(deadNode);
        for (Map.Entry<Long, Pending> e : outstanding.entrySet()) {
            if (e.getValue().frames.remove(deadNode) != null && e.getValue().frames.isEmpty()) {
                done(e.getKey());
            }
        }
    }

    /** {@code node} is heard from again: its interest is asked for. */
    @Override
    public void alive(String aliveNode) {
        announce(new Sync(node, aliveNode));
    }

    /** Whether {@code other}'s interest is known here (it announced, and no gap is open). */
    public boolean syncedWith(String other) {
        return table.synced(other);
    }

    /** The other nodes whose interest is known or being learned. */
    public Set<String> nodes() {
        return table.nodes();
    }

    /** The route table (for diagnostics and tests). */
    public InterestTable table() {
        return table;
    }

    /** Messages sent to other nodes (one per receiving node). */
    public long forwardedCount() {
        return forwarded.sum();
    }

    /** Messages received from other nodes. */
    public long receivedCount() {
        return received.sum();
    }

    /** Messages for other nodes NATS did not take, and messages received that could not be read. */
    public long failedCount() {
        return failed.sum();
    }

    /** Stops the digests and stops receiving (the connection stays open; the lead closes it). */
    @Override
    public void close() {
        ScheduledExecutorService timer = digests;
        if (timer != null) {
            timer.shutdownNow();
        }
        closeQuietly(messages);
        closeQuietly(announcements);
    }

    private void closeQuietly(Dispatcher d) {
        if (d == null) {
            return;
        }
        try {
            nats.closeDispatcher(d);
        } catch (IllegalStateException closed) {
            // the connection is gone already
        }
    }

    /**
     * Publishes an announcement. A new filter's (the first subscription to it here) is acknowledged by every node
     * known now once it has applied it, and the SUBACK of the subscription waits for that ({@link #acks()}): a message
     * published on another node after the SUBACK is routed here.
     */
    private void announce(Announcement a) {
        String replyTo = null;
        if (a instanceof RouteWire.Delta delta && delta.added() && messages != null) {
            Set<String> others = table.nodes();
            others.remove(node);
            if (!others.isEmpty()) {
                long id = nextId.incrementAndGet();
                Pending p = new Pending(System.nanoTime(), true);
                for (String other : others) {
                    p.frames.put(other, NO_FRAME);
                }
                outstanding.put(id, p);
                long[] mine = sentHere.get();
                mine[0]++;
                mine[1] = id;
                replyTo = ackSubject + '.' + id;
            }
        }
        try {
            nats.publish(subjects.interest(node), replyTo, RouteWire.encode(a));
        } catch (RuntimeException e) {
            // a gap the others find at the next digest, which asks for a snapshot
            LOG.debug("routes: announcement not sent: {}", e.getMessage());
        }
    }

    private void heard(io.nats.client.Message m) {
        Announcement a;
        try {
            a = RouteWire.decodeAnnouncement(m.getData());
        } catch (IllegalArgumentException e) {
            LOG.warn("routes: unreadable announcement ignored: {}", e.getMessage());
            return;
        }
        if (a.node().equals(node)) {
            return; // our own, when the connection echoes
        }
        if (a instanceof Sync sync) {
            if (sync.asks(node)) {
                local.announceSnapshot();
            }
            return;
        }
        if (table.apply(a) == InterestTable.Need.SNAPSHOT) {
            announce(new Sync(node, a.node()));
        }
        if (m.getReplyTo() != null) { // a new subscription there: routed from here from now on
            try {
                nats.publish(m.getReplyTo(), RouteWire.encodeAck(node, 0));
            } catch (RuntimeException e) {
                LOG.debug("routes: subscription acknowledgement not sent: {}", e.getMessage());
            }
        }
    }

    private void receive(Router router, io.nats.client.Message m) {
        if (m.getSubject().startsWith(ackSubject + '.')) {
            try {
                long id = Long.parseLong(m.getSubject().substring(ackSubject.length() + 1));
                acknowledged(new RouteWire.Ack(RouteWire.decodeAck(m.getData()).node(), id));
            } catch (IllegalArgumentException e) {
                failed.increment();
                LOG.warn("routes: unreadable subscription acknowledgement ignored: {}", e.getMessage());
            }
            return;
        }
        if (ackSubject.equals(m.getSubject())) {
            try {
                acknowledged(RouteWire.decodeAck(m.getData()));
            } catch (IllegalArgumentException e) {
                failed.increment();
                LOG.warn("routes: unreadable acknowledgement ignored: {}", e.getMessage());
            }
            return;
        }
        Routed routed;
        try {
            routed = RouteWire.decodeRouted(m.getData());
        } catch (IllegalArgumentException e) {
            failed.increment();
            LOG.warn("routes: unreadable routed message ignored: {}", e.getMessage());
            return;
        }
        received.increment();
        if (!routed.acknowledged()) {
            router.deliverRemote(routed.message(), picks(routed.groups()));
            return;
        }
        if (firstTime(routed.origin(), routed.id())) {
            router.deliverRemote(routed.message(), picks(routed.groups()));
        }
        String replyTo = m.getReplyTo();
        if (replyTo != null) {
            byte[] ack = RouteWire.encodeAck(node, routed.id());
            // after what the delivery stored (the writes this thread handed over): a persistent session has it
            receiverWrites.afterWrites(() -> {
                try {
                    nats.publish(replyTo, ack);
                } catch (RuntimeException e) {
                    LOG.debug("routes: acknowledgement not sent: {}", e.getMessage()); // sent again, acked again
                }
            });
        }
    }

    /** Whether this is the first copy of message {@code id} of {@code origin} seen here (lately). */
    private boolean firstTime(String origin, long id) {
        Set<Long> ids = seen.computeIfAbsent(origin, o -> java.util.Collections.newSetFromMap(
                new java.util.LinkedHashMap<>(16, 0.75f, false) {
                    @Override
                    protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                        return size() > SEEN_PER_ORIGIN;
                    }
                }));
        synchronized (ids) {
            return ids.add(id);
        }
    }

    private static SharedPicks picks(List<Group> groups) {
        if (groups.isEmpty()) {
            return SharedPicks.NONE;
        }
        Set<Group> here = new HashSet<>(groups);
        return (share, filter) -> here.contains(new Group(share, filter));
    }
}
