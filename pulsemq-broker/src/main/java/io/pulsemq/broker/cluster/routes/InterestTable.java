package io.pulsemq.broker.cluster.routes;

import io.pulsemq.broker.cluster.routes.RouteWire.Announcement;
import io.pulsemq.broker.cluster.routes.RouteWire.Delta;
import io.pulsemq.broker.cluster.routes.RouteWire.Digest;
import io.pulsemq.broker.cluster.routes.RouteWire.Group;
import io.pulsemq.broker.cluster.routes.RouteWire.Snapshot;
import io.pulsemq.broker.routing.RemoteRoutes.SharedPicks;
import io.pulsemq.broker.routing.Router;
import io.pulsemq.broker.subscription.Subscription;
import io.pulsemq.broker.subscription.SubscriptionTrie;
import io.pulsemq.broker.subscription.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cluster's route table: which node wants which topics, built from every node's announcements (and this node's
 * own changes, applied directly by {@link LocalInterest}), answering per publish "which nodes get this message, and
 * which node delivers it to each matching shared group".
 *
 * <h2>Index</h2>
 * A {@link SubscriptionTrie} whose "clients" are nodes: a node's plain filter is a plain subscription of the node, its
 * shared group {@code $share/g/f} a member of group g of filter f. Matching is therefore exactly the broker's own,
 * {@code +}, {@code #} and the {@code $}-topic rule included, and a node with several matching filters is one target.
 *
 * <h2>Keeping up with a node</h2>
 * Each node's announcements carry its epoch (one per start) and a sequence number that grows by one per delta. A node
 * is known from sequence 0 of its epoch, when it had no interest, or from a complete snapshot. A delta is applied
 * whenever it is newer than what is known; one that skips a number (a delta was lost), a digest ahead of what is
 * known, or a new epoch (the node restarted; its old interest is dropped) makes the node unsynced, and
 * {@link #apply} answers {@link Need#SNAPSHOT} (once, and again at each of the node's digests while it stays
 * unsynced) until a snapshot newer than the gap arrives. A node {@link #forget forgotten} (declared dead) is known
 * again from its next announcement.
 *
 * <h2>Threading</h2>
 * {@link #route} takes no lock and may run on any thread at once. Announcements and {@link #forget} are serialized by
 * this table's monitor; this node's own changes come from {@link LocalInterest}, which serializes them.
 */
public final class InterestTable {

    /** What the table needs after an announcement. */
    public enum Need {
        /** Nothing: the node is known. */
        NOTHING,
        /** A snapshot from the announcing node: its interest is not fully known. */
        SNAPSHOT
    }

    private static final Logger LOG = LoggerFactory.getLogger(InterestTable.class);

    private final String self;
    private final SubscriptionTrie index = new SubscriptionTrie();
    /** The other nodes heard from; guarded by this (read without it by {@link #route} and {@link #nodes}). */
    private final Map<String, NodeState> nodes = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> cursors = new ConcurrentHashMap<>();

    /** @param self this node's name */
    public InterestTable(String self) {
        this.self = self;
    }

    /**
     * Where a message goes besides this node: each node with a matching plain filter, or picked for a matching shared
     * group (with the groups it is picked for), once.
     */
    public static final class Plan {
        private static final Plan EMPTY = new Plan();

        private final Map<String, List<Group>> targets = new LinkedHashMap<>();
        private Set<Group> elsewhere;

        /** The receiving nodes, each with the shared groups it is to deliver to (often none). */
        public Map<String, List<Group>> targets() {
            return targets;
        }

        public boolean isEmpty() {
            return targets.isEmpty();
        }

        /** Which matching groups deliver on this node: all but those picked elsewhere. */
        public SharedPicks picks() {
            Set<Group> away = elsewhere;
            return away == null ? SharedPicks.ALL : (share, filter) -> !away.contains(new Group(share, filter));
        }

        private void node(String node) {
            targets.computeIfAbsent(node, n -> new ArrayList<>(1));
        }

        private void group(String node, Group group) {
            targets.computeIfAbsent(node, n -> new ArrayList<>(1)).add(group);
            if (elsewhere == null) {
                elsewhere = new HashSet<>();
            }
            elsewhere.add(group);
        }
    }

    /**
     * Where a message on {@code topic} goes. A shared group is picked round-robin among the nodes with members
     * (this node included); a point-to-point topic ({@link Router#p2pTarget}) goes to every known node, as only the
     * node holding the target's session delivers it.
     */
    public Plan route(String topic) {
        Plan[] plan = new Plan[1];
        index.match(topic, new SubscriptionTrie.MatchSink() {
            @Override
            public void plain(Subscription s) {
                if (!s.clientId().equals(self)) {
                    plan(plan).node(s.clientId());
                }
            }

            @Override
            public void shared(String shareName, String filter, List<Subscription> members) {
                AtomicInteger cursor = cursors.computeIfAbsent(shareName + '\0' + filter, k -> new AtomicInteger());
                String picked = members.get(Math.floorMod(cursor.getAndIncrement(), members.size())).clientId();
                if (!picked.equals(self)) {
                    plan(plan).group(picked, new Group(shareName, filter));
                }
            }
        });
        if (Router.p2pTarget(topic) != null) {
            for (String node : nodes.keySet()) {
                plan(plan).node(node);
            }
        }
        return plan[0] == null ? Plan.EMPTY : plan[0];
    }

    private static Plan plan(Plan[] holder) {
        if (holder[0] == null) {
            holder[0] = new Plan();
        }
        return holder[0];
    }

    /** Applies another node's announcement (a {@link RouteWire.Sync} is not the table's and is ignored). */
    public synchronized Need apply(Announcement a) {
        if (a.node().equals(self)) {
            return Need.NOTHING;
        }
        if (a instanceof Delta d) {
            NodeState s = state(d.node(), d.epoch());
            if (d.seq() <= s.seq) {
                return Need.NOTHING;
            }
            if (d.seq() != s.seq + 1) {
                s.synced = false;
            }
            s.seq = d.seq();
            if (d.added()) {
                add(s, d.key());
            } else {
                remove(s, d.key());
            }
            return need(s);
        }
        if (a instanceof Snapshot snap) {
            return snapshot(snap);
        }
        if (a instanceof Digest g) {
            NodeState s = state(g.node(), g.epoch());
            if (g.seq() > s.seq) {
                s.synced = false;
            }
            s.requested = false; // asked again at each digest while unsynced
            return need(s);
        }
        return Need.NOTHING;
    }

    private Need snapshot(Snapshot snap) {
        NodeState s = state(snap.node(), snap.epoch());
        if (snap.seq() < s.seq || (snap.seq() == s.seq && s.synced)) {
            return need(s);
        }
        if (s.partsSeq != snap.seq() || s.partsCount != snap.parts()) {
            s.partsSeq = snap.seq();
            s.partsCount = snap.parts();
            s.parts.clear();
        }
        s.parts.put(snap.part(), snap.keys());
        if (snap.seq() > s.seq) {
            s.synced = false; // behind until the snapshot is complete
        }
        if (s.parts.size() < s.partsCount) {
            return Need.NOTHING; // the other parts follow
        }
        Set<String> keys = new HashSet<>();
        s.parts.values().forEach(keys::addAll);
        s.parts.clear();
        s.partsSeq = -1;
        for (String old : new ArrayList<>(s.keys)) {
            if (!keys.contains(old)) {
                remove(s, old);
            }
        }
        for (String key : keys) {
            add(s, key);
        }
        s.seq = snap.seq();
        s.synced = true;
        s.requested = false;
        return Need.NOTHING;
    }

    /** Drops everything known of {@code node} (declared dead); its next announcement starts it again. */
    public synchronized void forget(String node) {
        NodeState s = nodes.remove(node);
        if (s != null) {
            for (String key : s.keys) {
                index.unsubscribe(node, key);
            }
            LOG.info("routes: dropped the interest of node {} ({} filters)", node, s.keys.size());
        }
    }

    /** This node gained {@code key} (see {@link LocalInterest}). */
    void addLocal(String key) {
        Subscription entry = entry(self, key);
        if (entry != null) {
            index.subscribe(entry);
        }
    }

    /** This node lost {@code key}. */
    void removeLocal(String key) {
        index.unsubscribe(self, key);
    }

    /** The other nodes heard from and not forgotten, in name order. */
    public Set<String> nodes() {
        return new TreeSet<>(nodes.keySet());
    }

    /** Whether {@code node}'s interest is fully known (up to what it has announced and this node received). */
    public synchronized boolean synced(String node) {
        NodeState s = nodes.get(node);
        return s != null && s.synced;
    }

    /** {@code node}'s keys as known here, in order (for tests and diagnostics). */
    public synchronized Set<String> keysOf(String node) {
        NodeState s = nodes.get(node);
        return s == null ? Set.of() : new TreeSet<>(s.keys);
    }

    private Need need(NodeState s) {
        if (s.synced || s.requested) {
            return Need.NOTHING;
        }
        s.requested = true;
        return Need.SNAPSHOT;
    }

    /** The node's state in {@code epoch}: a new epoch drops what the earlier one had and starts from sequence 0. */
    private NodeState state(String node, long epoch) {
        NodeState s = nodes.get(node);
        if (s != null && s.epoch == epoch) {
            return s;
        }
        if (s != null) {
            LOG.info("routes: node {} restarted (epoch {} after {}); its interest is learned again", node, epoch,
                    s.epoch);
            for (String key : s.keys) {
                index.unsubscribe(node, key);
            }
        }
        NodeState fresh = new NodeState(node, epoch);
        nodes.put(node, fresh);
        return fresh;
    }

    private void add(NodeState s, String key) {
        Subscription entry = entry(s.node, key);
        if (entry != null && s.keys.add(key)) {
            index.subscribe(entry);
        }
    }

    private void remove(NodeState s, String key) {
        if (s.keys.remove(key)) {
            index.unsubscribe(s.node, key);
        }
    }

    /** The index entry of {@code node}'s key, or null (logged) for a key that is not a valid filter. */
    private static Subscription entry(String node, String key) {
        Topics.SharedFilter parsed = Topics.parseShared(key);
        if (parsed == null) {
            LOG.warn("routes: node {} announced '{}', which is not a topic filter; ignored", node, key);
            return null;
        }
        return new Subscription(node, parsed.filter(), parsed.shareName(), 0, false, false, 0, 0);
    }

    /** What is known of one other node; guarded by the table's monitor. */
    private static final class NodeState {
        final String node;
        final long epoch;
        final Set<String> keys = new HashSet<>();
        /** The last sequence applied. */
        long seq;
        /** Whether {@link #keys} is everything the node had at {@link #seq}; a new epoch starts empty and known. */
        boolean synced = true;
        /** Whether a snapshot was asked for since the node's last digest. */
        boolean requested;
        /** The snapshot being put together: its sequence and its parts so far. */
        long partsSeq = -1;
        int partsCount;
        final Map<Integer, List<String>> parts = new HashMap<>();

        NodeState(String node, long epoch) {
            this.node = node;
            this.epoch = epoch;
        }
    }
}
