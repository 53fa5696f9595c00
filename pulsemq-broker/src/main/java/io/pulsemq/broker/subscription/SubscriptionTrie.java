package io.pulsemq.broker.subscription;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every subscription in the broker, indexed by topic filter, answering "who receives a message on this topic".
 *
 * <h2>Structure</h2>
 * A trie with one node per filter level. Literal levels are kept in a {@link ConcurrentHashMap} per node,
 * {@code +} and {@code #} in dedicated fields so matching never hashes a wildcard. A node holds the
 * subscriptions whose filter ends there: plain ones keyed by client ID, shared ones grouped by share name,
 * each group an immutable member list replaced on every change (copy-on-write).
 *
 * <h2>Threading</h2>
 * All methods are thread-safe. {@link #match} takes no lock: it reads concurrent maps and volatile fields, so
 * any number of event loops match in parallel with each other and with changes. It splits the topic once and
 * otherwise allocates only map iterators, nothing per matching subscription. A match running concurrently with a change may or may not see that change; it never sees
 * a half-made one, and a shared group is always passed as a consistent snapshot. {@link #subscribe} and
 * {@link #unsubscribe} lock single nodes only, so changes to unrelated filters do not contend.
 *
 * <h2>Removing empty nodes</h2>
 * Nodes left without subscriptions and children are removed eagerly by the unsubscribe that empties them,
 * walking towards the root. The race with a concurrent subscribe that is about to use such a node is closed
 * by a per-node {@code removed} flag, guarded by the node's monitor:
 * <ul>
 *   <li>a node is detached from its parent only while both monitors are held, parent first, and only if it
 *       has neither subscriptions nor children; it is marked removed at the same time and never reused;</li>
 *   <li>a child is attached, and a subscription added, only under the node's monitor after checking that the
 *       node is not removed; a subscribe that finds a removed node starts over from the root.</li>
 * </ul>
 * Hence every node that is not marked removed is reachable from the root, and no subscription is ever added
 * to a detached branch. Monitors are taken parent before child and at most two at a time, so there is no
 * deadlock. A matcher that is inside a branch while it is detached finds it empty, which is harmless.
 *
 * <h2>Listener</h2>
 * A {@link Listener} is told of every subscription added and removed, under the monitor of the filter's node, so that
 * for one filter it hears the changes in the order they happened (cluster mode announces each node's filters).
 */
public final class SubscriptionTrie {

    private final Node root = new Node(null, "");
    private final AtomicInteger size = new AtomicInteger();
    private final Listener listener;

    /** A trie that tells no one of its changes. */
    public SubscriptionTrie() {
        this(Listener.NONE);
    }

    /** A trie that tells {@code listener} of every subscription added and removed. */
    public SubscriptionTrie(Listener listener) {
        this.listener = listener;
    }

    /**
     * Told of each subscription the trie gains or loses (a replacement, same client and full filter, is neither).
     * Called on the changing thread while the filter's node is locked: for one filter, calls come in the order of the
     * changes. It must be quick, must not block and must not call back into the trie.
     */
    public interface Listener {

        /** Tells nothing. */
        Listener NONE = new Listener() {
            @Override
            public void added(Subscription subscription) {
            }

            @Override
            public void removed(Subscription subscription) {
            }
        };

        /** {@code subscription} is new in the trie. */
        void added(Subscription subscription);

        /** {@code subscription} left the trie. */
        void removed(Subscription subscription);
    }

    /**
     * Receives the subscriptions matching one topic. Called on the matching thread, with no lock held, so an
     * implementation may call back into the trie.
     */
    public interface MatchSink {

        /**
         * A plain subscription whose filter matches. A client whose filters overlap is passed once per
         * matching filter; aggregating (highest QoS, all subscription identifiers) is the caller's job.
         */
        void plain(Subscription subscription);

        /**
         * A shared subscription group whose filter matches, passed once per match for each distinct
         * (share name, filter).
         *
         * @param shareName the group's share name
         * @param filter    the group's topic filter, without the {@code $share/} prefix
         * @param group     the group's members when the match read it: immutable, never empty, in
         *                  subscription order, safe to keep
         */
        void shared(String shareName, String filter, List<Subscription> group);
    }

    /**
     * Adds {@code subscription}, replacing the one with the same client ID and
     * {@link Subscription#fullFilter() full filter}, if any.
     *
     * @param subscription a subscription with a valid filter and, if shared, a valid share name, as
     *                     {@link Topics#parseShared} produces them
     * @return the subscription it replaced, or null if it is new
     * @throws IllegalArgumentException if the filter or share name is invalid, or a plain subscription's
     *                                  filter starts with {@code $share/}
     */
    public Subscription subscribe(Subscription subscription) {
        String filter = subscription.filter();
        if (!Topics.isValidFilter(filter, Integer.MAX_VALUE)) {
            throw new IllegalArgumentException("Invalid topic filter: " + filter);
        }
        if (subscription.shared() && !Topics.isValidShareName(subscription.shareName())) {
            throw new IllegalArgumentException("Invalid share name: " + subscription.shareName());
        }
        if (!subscription.shared() && filter.startsWith(Topics.SHARE_PREFIX)) {
            // its full filter would be the key of a shared subscription
            throw new IllegalArgumentException("Plain subscription with a shared filter: " + filter);
        }
        String[] levels = Topics.splitLevels(filter);
        while (true) {
            Node node = root;
            for (int i = 0; i < levels.length && node != null; i++) {
                node = node.childOrCreate(levels[i]);
            }
            if (node == null) {
                continue;
            }
            synchronized (node) {
                if (node.removed) {
                    continue;
                }
                Subscription replaced = node.add(subscription);
                if (replaced == null) {
                    size.incrementAndGet();
                    listener.added(subscription);
                }
                return replaced;
            }
        }
    }

    /**
     * Removes the subscription of {@code clientId} to {@code fullFilter}.
     *
     * @param clientId   the subscriber
     * @param fullFilter the filter as the client wrote it, {@code $share/name/filter} for a shared one
     * @return the removed subscription, or null if there was none (including for an invalid filter)
     */
    public Subscription unsubscribe(String clientId, String fullFilter) {
        Topics.SharedFilter parsed = Topics.parseShared(fullFilter);
        if (parsed == null) {
            return null;
        }
        Node node = find(parsed.filter());
        if (node == null) {
            return null;
        }
        Subscription removed;
        synchronized (node) {
            removed = node.remove(clientId, parsed.shareName());
            if (removed == null) {
                return null;
            }
            size.decrementAndGet();
            listener.removed(removed);
        }
        prune(node);
        return removed;
    }

    /**
     * Passes every subscription whose filter matches {@code topic}, as {@link Topics#matches} defines it, to
     * {@code sink}: plain ones one by one, shared ones as one snapshot per group.
     *
     * @param topic a valid topic name; an empty one matches nothing
     * @param sink  receives the matches, on this thread
     */
    public void match(String topic, MatchSink sink) {
        if (topic.isEmpty()) {
            return;
        }
        String[] levels = Topics.splitLevels(topic);
        // [MQTT-4.7.2-1] filters starting with a wildcard do not match topics starting with '$'
        boolean dollarTopic = topic.charAt(0) == '$';
        match(root, levels, 0, dollarTopic, sink);
    }

    /** How many subscriptions there are; exact when no change is in progress. */
    public int size() {
        return size.get();
    }

    /**
     * Removes every subscription present when the call starts. Subscriptions added while it runs may remain.
     */
    public void clear() {
        List<Subscription> all = new ArrayList<>();
        collect(root, all);
        for (Subscription subscription : all) {
            unsubscribe(subscription.clientId(), subscription.fullFilter());
        }
    }

    private static void match(Node node, String[] levels, int index, boolean dollarTopic, MatchSink sink) {
        if (index == levels.length) {
            node.deliver(sink);
            // "a/#" also matches "a"
            Node multi = node.multiLevel;
            if (multi != null) {
                multi.deliver(sink);
            }
            return;
        }
        if (index > 0 || !dollarTopic) {
            Node multi = node.multiLevel;
            if (multi != null) {
                multi.deliver(sink);
            }
            Node single = node.singleLevel;
            if (single != null) {
                match(single, levels, index + 1, dollarTopic, sink);
            }
        }
        Map<String, Node> children = node.children;
        if (children != null) {
            Node literal = children.get(levels[index]);
            if (literal != null) {
                match(literal, levels, index + 1, dollarTopic, sink);
            }
        }
    }

    private Node find(String filter) {
        Node node = root;
        for (String level : Topics.splitLevels(filter)) {
            node = node.child(level);
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    /** Detaches {@code node} and then its ancestors for as long as they are empty. */
    private static void prune(Node node) {
        while (node.parent != null) {
            Node parent = node.parent;
            synchronized (parent) {
                synchronized (node) {
                    if (node.removed || !node.isEmpty()) {
                        return;
                    }
                    node.removed = true;
                    parent.detach(node);
                }
            }
            node = parent;
        }
    }

    private static void collect(Node node, List<Subscription> into) {
        node.forEachSubscription(into);
        Map<String, Node> children = node.children;
        if (children != null) {
            for (Node child : children.values()) {
                collect(child, into);
            }
        }
        Node single = node.singleLevel;
        if (single != null) {
            collect(single, into);
        }
        Node multi = node.multiLevel;
        if (multi != null) {
            collect(multi, into);
        }
    }

    /**
     * One filter level. Structure fields are written under the node's monitor and read without it; the maps
     * are created lazily because most nodes are leaves and most leaves hold only plain subscriptions.
     */
    private static final class Node {

        final Node parent;
        final String level;

        volatile ConcurrentHashMap<String, Node> children;
        volatile Node singleLevel;
        volatile Node multiLevel;

        volatile ConcurrentHashMap<String, Subscription> plain;
        volatile ConcurrentHashMap<String, SharedGroup> groups;

        /** Guarded by this. */
        boolean removed;

        Node(Node parent, String level) {
            this.parent = parent;
            this.level = level;
        }

        Node child(String childLevel) {
            if (Topics.isSingleLevelWildcard(childLevel)) {
                return singleLevel;
            }
            if (Topics.isMultiLevelWildcard(childLevel)) {
                return multiLevel;
            }
            Map<String, Node> map = children;
            return map == null ? null : map.get(childLevel);
        }

        /** The child for {@code childLevel}, created if needed; null if this node has been removed. */
        Node childOrCreate(String childLevel) {
            Node existing = child(childLevel);
            if (existing != null) {
                return existing;
            }
            synchronized (this) {
                if (removed) {
                    return null;
                }
                existing = child(childLevel);
                if (existing != null) {
                    return existing;
                }
                Node created = new Node(this, childLevel);
                if (Topics.isSingleLevelWildcard(childLevel)) {
                    singleLevel = created;
                } else if (Topics.isMultiLevelWildcard(childLevel)) {
                    multiLevel = created;
                } else {
                    if (children == null) {
                        children = new ConcurrentHashMap<>();
                    }
                    children.put(childLevel, created);
                }
                return created;
            }
        }

        /** Caller holds this node's monitor and the child's. */
        void detach(Node child) {
            if (singleLevel == child) {
                singleLevel = null;
            } else if (multiLevel == child) {
                multiLevel = null;
            } else if (children != null) {
                children.remove(child.level, child);
            }
        }

        /** Caller holds this node's monitor. */
        boolean isEmpty() {
            return singleLevel == null
                    && multiLevel == null
                    && (children == null || children.isEmpty())
                    && (plain == null || plain.isEmpty())
                    && (groups == null || groups.isEmpty());
        }

        /** Caller holds this node's monitor. Returns the replaced subscription or null. */
        Subscription add(Subscription subscription) {
            if (!subscription.shared()) {
                if (plain == null) {
                    plain = new ConcurrentHashMap<>();
                }
                return plain.put(subscription.clientId(), subscription);
            }
            if (groups == null) {
                groups = new ConcurrentHashMap<>();
            }
            SharedGroup group = groups.get(subscription.shareName());
            if (group == null) {
                groups.put(subscription.shareName(),
                        new SharedGroup(subscription.shareName(), subscription.filter(), List.of(subscription)));
                return null;
            }
            return group.put(subscription);
        }

        /** Caller holds this node's monitor. Returns the removed subscription or null. */
        Subscription remove(String clientId, String shareName) {
            if (shareName == null) {
                Map<String, Subscription> map = plain;
                return map == null ? null : map.remove(clientId);
            }
            Map<String, SharedGroup> map = groups;
            SharedGroup group = map == null ? null : map.get(shareName);
            if (group == null) {
                return null;
            }
            Subscription removed = group.remove(clientId);
            if (group.members.isEmpty()) {
                map.remove(shareName);
            }
            return removed;
        }

        void deliver(MatchSink sink) {
            Map<String, Subscription> plainMap = plain;
            if (plainMap != null) {
                for (Subscription subscription : plainMap.values()) {
                    sink.plain(subscription);
                }
            }
            Map<String, SharedGroup> groupMap = groups;
            if (groupMap != null) {
                for (SharedGroup group : groupMap.values()) {
                    List<Subscription> members = group.members;
                    if (!members.isEmpty()) {
                        sink.shared(group.shareName, group.filter, members);
                    }
                }
            }
        }

        void forEachSubscription(List<Subscription> into) {
            Map<String, Subscription> plainMap = plain;
            if (plainMap != null) {
                into.addAll(plainMap.values());
            }
            Map<String, SharedGroup> groupMap = groups;
            if (groupMap != null) {
                for (SharedGroup group : groupMap.values()) {
                    into.addAll(group.members);
                }
            }
        }
    }

    /** One shared subscription group; {@link #members} is replaced, never modified, under the node's monitor. */
    private static final class SharedGroup {

        final String shareName;
        final String filter;
        volatile List<Subscription> members;

        SharedGroup(String shareName, String filter, List<Subscription> members) {
            this.shareName = shareName;
            this.filter = filter;
            this.members = members;
        }

        Subscription put(Subscription subscription) {
            List<Subscription> current = members;
            List<Subscription> next = new ArrayList<>(current.size() + 1);
            Subscription replaced = null;
            for (Subscription member : current) {
                if (member.clientId().equals(subscription.clientId())) {
                    replaced = member;
                    next.add(subscription);
                } else {
                    next.add(member);
                }
            }
            if (replaced == null) {
                next.add(subscription);
            }
            members = List.copyOf(next);
            return replaced;
        }

        Subscription remove(String clientId) {
            List<Subscription> current = members;
            List<Subscription> next = new ArrayList<>(current.size());
            Subscription removed = null;
            for (Subscription member : current) {
                if (removed == null && member.clientId().equals(clientId)) {
                    removed = member;
                } else {
                    next.add(member);
                }
            }
            if (removed != null) {
                members = List.copyOf(next);
            }
            return removed;
        }
    }
}
