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
import io.pulsemq.broker.subscription.SubscriptionTrie;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashSet;
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
 * topic reach every node in order. Core NATS is at most once: a message in flight when a connection or server fails, or
 * beyond a slow receiver's pending limit, is lost, whatever its QoS (the publisher's PUBACK does not wait for the other
 * nodes). A new subscription on another node receives what is published here once its announcement has arrived (the
 * interest window: a round trip through NATS).
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
        this.announcements = nats.createDispatcher(m -> heard(m.getData()));
        announcements.subscribe(subjects.allInterest());
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
        Dispatcher d = nats.createDispatcher(m -> receive(router, m.getData()));
        d.subscribe(subjects.messages(node));
        messages = d;
        nats.flush(FLUSH_WAIT); // both subscriptions are in place before anyone answers or routes here
        local.announceSnapshot();
        announce(new Sync(node, ""));
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                new DefaultThreadFactory("pulsemq-routes", true));
        long every = digestInterval.toMillis();
        timer.scheduleAtFixedRate(local::announceDigest, every, every, TimeUnit.MILLISECONDS);
        digests = timer;
    }

    @Override
    public SharedPicks forward(Message message) {
        InterestTable.Plan plan = table.route(message.topic());
        if (plan.isEmpty()) {
            return SharedPicks.ALL;
        }
        byte[] record = MessageCodec.encodeMessage(message);
        for (Map.Entry<String, List<Group>> target : plan.targets().entrySet()) {
            String to = target.getKey();
            try {
                nats.publish(messageSubjects.computeIfAbsent(to, subjects::messages),
                        RouteWire.encodeRouted(node, target.getValue(), record));
                forwarded.increment();
            } catch (RuntimeException e) { // not connected, outgoing queue full, larger than NATS's max_payload
                failed.increment();
                LOG.debug("routes: a message on {} for node {} was not sent: {}", message.topic(), to, e.getMessage());
            }
        }
        return plan.picks();
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

    private void announce(Announcement a) {
        try {
            nats.publish(subjects.interest(node), RouteWire.encode(a));
        } catch (RuntimeException e) {
            // a gap the others find at the next digest, which asks for a snapshot
            LOG.debug("routes: announcement not sent: {}", e.getMessage());
        }
    }

    private void heard(byte[] frame) {
        Announcement a;
        try {
            a = RouteWire.decodeAnnouncement(frame);
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
    }

    private void receive(Router router, byte[] frame) {
        Routed routed;
        try {
            routed = RouteWire.decodeRouted(frame);
        } catch (IllegalArgumentException e) {
            failed.increment();
            LOG.warn("routes: unreadable routed message ignored: {}", e.getMessage());
            return;
        }
        received.increment();
        router.deliverRemote(routed.message(), picks(routed.groups()));
    }

    private static SharedPicks picks(List<Group> groups) {
        if (groups.isEmpty()) {
            return SharedPicks.NONE;
        }
        Set<Group> here = new HashSet<>(groups);
        return (share, filter) -> here.contains(new Group(share, filter));
    }
}
