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
import java.util.Arrays;
import java.util.HashMap;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.HashSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * <p><b>Guarantees.</b> What is routed from here goes through one queue and one sender thread, which sends everything
 * queued for a node as one NATS message (a batch, {@link RouteWire}), on one NATS connection: one publisher's messages
 * on one topic reach every node in order. QoS 0 messages are sent once (core NATS: at most once). A QoS 1 or 2
 * message gets an ID and is acknowledged by each receiving node once it has handed it to its sessions and stored it
 * where they are persistent (a batch's messages in one acknowledgement); unacknowledged, it is sent again every second
 * (the receiver drops what it has seen, so a QoS 2 message is delivered once) until every node has acknowledged it, is
 * declared dead, or 10 s have passed. The publisher's PUBACK
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
 * <p>Threading: {@link #forward} runs on publisher threads and does not block (it queues; the sender thread publishes
 * on a NATS connection that discards rather than waits when its outgoing queue is full); announcements and routed
 * messages are handled on a NATS dispatcher thread each; digests and resends run on a thread of their own.
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
    /** The largest batch of routed messages for one node (a larger message goes alone). */
    private static final int BATCH_BYTES = 64 * 1024;
    /** Frames the sender takes from the queue before it sends what it has (one round). */
    private static final int ROUND_FRAMES = 1024;
    /** Routed frames queued for sending, in bytes, beyond which more are dropped. */
    private static final long OUTBOX_BYTES = 64L * 1024 * 1024;

    private final Connection nats;
    private final RouteSubjects subjects;
    private final String node;
    private final Duration digestInterval;
    private final InterestTable table;
    private final LocalInterest local;
    private final Dispatcher announcements;
    private final Map<String, String> messageSubjects = new ConcurrentHashMap<>();
    private final LongAdder forwarded = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private volatile Dispatcher messages;
    private volatile ScheduledExecutorService digests;
    private volatile WriteBarrier receiverWrites = WriteBarrier.NONE;
    /** Acknowledged messages routed from here that some node has not acknowledged yet, by ID. */
    private final ConcurrentSkipListMap<Long, Pending> outstanding = new ConcurrentSkipListMap<>();
    private final AtomicLong nextId = new AtomicLong();
    private final String ackSubject;
    /**
     * Tasks waiting for every acknowledged message up to an ID, one queue per thread that gave them (its marks only
     * grow, so each queue is in mark order): no lock shared by the publishers' threads.
     */
    private final List<Queue<Waiting>> waiting = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Queue<Waiting>> waitingHere = ThreadLocal.withInitial(() -> {
        Queue<Waiting> q = new ConcurrentLinkedQueue<>();
        waiting.add(q);
        return q;
    });
    private final ThreadLocal<long[]> sentHere = ThreadLocal.withInitial(() -> new long[2]); // [count, last ID]
    /** Recently received acknowledged message IDs per origin node, to drop what is sent again. */
    private final Map<String, Set<Long>> seen = new ConcurrentHashMap<>();
    private final LongAdder resent = new LongAdder();
    private final WriteBarrier acks = new AckBarrier();
    private final Outbox outbox = new Outbox();

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
                outbox.add(target.getKey(), RouteWire.encodeRouted(node, target.getValue(), record), false);
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
        p.frames.forEach((to, frame) -> outbox.add(to, frame, true));
        return plan.picks();
    }

    /** Sends one unacknowledged message to {@code to} again, on its own (not through the outbox's batches). */
    private void resend(String to, byte[] frame) {
        try {
            nats.publish(messageSubjects.computeIfAbsent(to, subjects::messages), ackSubject, frame);
            forwarded.increment();
            batches.increment();
        } catch (RuntimeException e) { // not connected, outgoing queue full, larger than NATS's max_payload
            failed.increment();
            LOG.debug("routes: a message sent again to node {} was not sent: {}", to, e.getMessage());
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
                    resend(to, frame);
                });
            }
        }
    }

    private void acknowledged(RouteWire.Acks acks) {
        boolean any = false;
        for (long id : acks.ids()) {
            Pending p = outstanding.get(id);
            if (p != null && p.frames.remove(acks.node()) != null && p.frames.isEmpty()) {
                any |= outstanding.remove(id) != null;
            }
        }
        if (any) {
            release();
        }
    }

    /** A message every node acknowledged (or that was given up): what waited for it may go. */
    private void done(long id) {
        if (outstanding.remove(id) != null) {
            release();
        }
    }

    /** Runs what waited for messages that are no longer outstanding. */
    private void release() {
        for (Queue<Waiting> q : waiting) {
            runDue(q);
        }
    }

    /**
     * Runs the tasks at the head of {@code q} whose messages are all acknowledged. Two threads may do this at once
     * (the one that gave a task, and the one an acknowledgement arrived on): each task runs once, though not
     * necessarily in the order given (what waits on this barrier orders itself, e.g. {@code OrderedAcks}).
     */
    private void runDue(Queue<Waiting> q) {
        for (Waiting w = q.peek(); w != null && w.mark < lowestOutstanding(); w = q.peek()) {
            if (q.remove(w)) {
                w.task.run();
            }
        }
    }

    /** A task waiting for this node's routed messages up to {@code mark} to be acknowledged. */
    private record Waiting(long mark, Runnable task) {
    }

    /**
     * The lowest ID still to be acknowledged, {@link Long#MAX_VALUE} if none: one atomic read of a map other threads
     * change (an emptiness check, then {@code firstKey}, can throw in between).
     */
    private long lowestOutstanding() {
        Map.Entry<Long, Pending> first = outstanding.firstEntry();
        return first == null ? Long.MAX_VALUE : first.getKey();
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
            if (lowestOutstanding() > mark) {
                // this thread's messages are all acknowledged (its IDs were in the map before it asked)
                task.run();
                return;
            }
            Queue<Waiting> mine = waitingHere.get();
            mine.add(new Waiting(mark, task));
            // the last acknowledgement may have been released between the check and the add: look again
            if (lowestOutstanding() > mark) {
                runDue(mine);
            }
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

    /**
     * What this node routes, batched per receiving node: publisher threads queue frames (lock-free) and one sender
     * thread drains the queue in rounds of up to {@value #ROUND_FRAMES} frames, sending what a round took for a node
     * as one NATS message (up to {@value #BATCH_BYTES} bytes), so each NATS server on the way handles one message for many when publishers are
     * busy, and one for one when they are not (no timer, no wait for a batch to fill). One queue and one sender keep
     * each publisher's order. Bounded: over {@value #OUTBOX_BYTES} bytes queued, a frame is dropped (and counted as
     * failed); a dropped QoS 1 or 2 frame is sent again with the unacknowledged ones.
     */
    private final class Outbox implements AutoCloseable {
        private final Queue<Outgoing> queue = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private final AtomicLong queuedBytes = new AtomicLong();
        private final ExecutorService sender = Executors.newSingleThreadExecutor(
                new DefaultThreadFactory("pulsemq-routes-out", true));
        private final Map<String, Batch> byNode = new HashMap<>(); // the sender thread's only

        void add(String to, byte[] frame, boolean acked) {
            if (queuedBytes.addAndGet(frame.length) > OUTBOX_BYTES) {
                queuedBytes.addAndGet(-frame.length);
                failed.increment();
                return;
            }
            queue.add(new Outgoing(to, frame, acked));
            if (!scheduled.get() && scheduled.compareAndSet(false, true)) {
                try {
                    sender.execute(this::drain);
                } catch (RejectedExecutionException closed) {
                    scheduled.set(false);
                }
            }
        }

        private void drain() {
            do {
                Outgoing o;
                // what is queued now, not what keeps coming: a busy queue must not hold a batch back until it is full
                for (int taken = 0; taken < ROUND_FRAMES && (o = queue.poll()) != null; taken++) {
                    queuedBytes.addAndGet(-o.frame.length);
                    Batch b = byNode.computeIfAbsent(o.to, Batch::new);
                    if (!b.fits(o.frame)) {
                        b.send();
                    }
                    b.add(o);
                }
                for (Batch b : byNode.values()) {
                    b.send();
                }
                scheduled.set(false);
            } while (!queue.isEmpty() && scheduled.compareAndSet(false, true));
        }

        @Override
        public void close() {
            sender.shutdownNow();
        }
    }

    /** A frame on its way to a node. */
    private record Outgoing(String to, byte[] frame, boolean acked) {
    }

    /** The frames for one node the sender is gathering. */
    private final class Batch {
        private final String to;
        private byte[][] frames = new byte[16][];
        private int count;
        private long bytes;
        private boolean acked;

        Batch(String to) {
            this.to = to;
        }

        boolean fits(byte[] frame) {
            return count == 0 || RouteWire.batchSize(count + 1, bytes + frame.length) <= BATCH_BYTES;
        }

        void add(Outgoing o) {
            if (count == frames.length) {
                frames = Arrays.copyOf(frames, count * 2);
            }
            frames[count++] = o.frame;
            bytes += o.frame.length;
            acked |= o.acked;
        }

        void send() {
            if (count == 0) {
                return;
            }
            byte[] frame = count == 1 ? frames[0] : RouteWire.encodeBatch(frames, 0, count);
            try {
                nats.publish(messageSubjects.computeIfAbsent(to, subjects::messages), acked ? ackSubject : null,
                        frame);
                forwarded.add(count);
                batches.increment();
            } catch (RuntimeException e) { // not connected, outgoing queue full, larger than NATS's max_payload
                failed.add(count);
                LOG.debug("routes: {} message(s) for node {} not sent: {}", count, to, e.getMessage());
            }
            Arrays.fill(frames, 0, count, null);
            count = 0;
            bytes = 0;
            acked = false;
            if (frames.length > 1024) {
                frames = new byte[16][];
            }
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

    /** NATS messages that carried routed messages from here (batches; a message sent again is one of its own). */
    public long batchCount() {
        return batches.sum();
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
        outbox.close();
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
                acknowledged(new RouteWire.Acks(RouteWire.decodeAck(m.getData()).node(), new long[] {id}));
            } catch (IllegalArgumentException e) {
                failed.increment();
                LOG.warn("routes: unreadable subscription acknowledgement ignored: {}", e.getMessage());
            }
            return;
        }
        if (ackSubject.equals(m.getSubject())) {
            try {
                acknowledged(RouteWire.decodeAcks(m.getData()));
            } catch (IllegalArgumentException e) {
                failed.increment();
                LOG.warn("routes: unreadable acknowledgement ignored: {}", e.getMessage());
            }
            return;
        }
        List<Routed> batch;
        try {
            batch = RouteWire.decodeRoutedFrames(m.getData());
        } catch (IllegalArgumentException e) {
            failed.increment();
            LOG.warn("routes: unreadable routed message ignored: {}", e.getMessage());
            return;
        }
        received.add(batch.size());
        long[] ids = null;
        int acked = 0;
        for (Routed routed : batch) {
            if (!routed.acknowledged()) {
                router.deliverRemote(routed.message(), picks(routed.groups()));
                continue;
            }
            if (firstTime(routed.origin(), routed.id())) {
                router.deliverRemote(routed.message(), picks(routed.groups()));
            }
            if (ids == null) {
                ids = new long[batch.size()];
            }
            ids[acked++] = routed.id();
        }
        String replyTo = m.getReplyTo();
        if (replyTo != null && acked > 0) {
            byte[] ack = RouteWire.encodeAcks(node, ids, acked);
            // after what the deliveries stored (the writes this thread handed over): a persistent session has them
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
