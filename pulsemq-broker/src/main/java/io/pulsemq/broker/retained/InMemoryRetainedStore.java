package io.pulsemq.broker.retained;

import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.subscription.Topics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Retained messages in memory, in a trie with one node per topic level, so that {@link #match} visits only
 * the branches a filter can match: a literal level is one hash lookup, {@code +} visits the children of one
 * node, and only {@code #} visits a whole subtree.
 *
 * <p>Matching follows {@link Topics#matches} exactly, including the {@code $} rule: {@code +} or {@code #}
 * as a filter's first level skips topics starting with {@code $} [MQTT-4.7.2-1].
 *
 * <p>Thread-safe. {@link #match}, {@link #forEach} and {@link #size} take no lock; they may or may not see a
 * change made concurrently, and never see a half-made one. {@link #put} and {@link #remove} lock single
 * nodes. A node left without message and children is removed by the {@link #remove} that empties it; the
 * race with a concurrent {@link #put} is closed as in
 * {@link io.pulsemq.broker.subscription.SubscriptionTrie}: a node is detached only under its parent's and
 * its own monitor (parent first) and is then marked removed; a child is attached and a message stored only
 * under the node's monitor after checking it is not removed, and a put that finds a removed node starts over.
 *
 * <p>An empty payload is not special here: callers turn a retained PUBLISH with an empty payload into
 * {@link #remove} [MQTT-3.3.1-6].
 */
public final class InMemoryRetainedStore implements RetainedStore {

    private final Node root = new Node(null, "");
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if the message's topic is not a valid topic name
     */
    @Override
    public Message put(Message message) {
        String topic = message.topic();
        if (!Topics.isValidTopicName(topic, Integer.MAX_VALUE)) {
            throw new IllegalArgumentException("Invalid topic name: " + topic);
        }
        String[] levels = Topics.splitLevels(topic);
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
                Message previous = node.message;
                if (previous == null) {
                    size.incrementAndGet();
                }
                bytes.addAndGet(message.payload().length - (previous == null ? 0 : previous.payload().length));
                node.message = message;
                return previous;
            }
        }
    }

    @Override
    public Message remove(String topic) {
        Node node = find(topic);
        if (node == null) {
            return null;
        }
        Message removed;
        synchronized (node) {
            removed = node.message;
            if (removed == null) {
                return null;
            }
            node.message = null;
            size.decrementAndGet();
            bytes.addAndGet(-removed.payload().length);
        }
        prune(node);
        return removed;
    }

    @Override
    public Message get(String topic) {
        Node node = find(topic);
        return node == null ? null : node.message;
    }

    /** The node of {@code topic}, or null when none exists (nothing is created). */
    private Node find(String topic) {
        Node node = root;
        for (String level : Topics.splitLevels(topic)) {
            node = node.child(level);
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Messages are passed on the calling thread with no lock held, in no particular order.
     *
     * @throws IllegalArgumentException if {@code filter} is not a valid topic filter
     */
    @Override
    public void match(String filter, Consumer<Message> sink) {
        if (!Topics.isValidFilter(filter, Integer.MAX_VALUE)) {
            throw new IllegalArgumentException("Invalid topic filter: " + filter);
        }
        match(root, Topics.splitLevels(filter), 0, sink);
    }

    @Override
    public int size() {
        return size.get();
    }

    @Override
    public long bytes() {
        return bytes.get();
    }

    /**
     * Passes every retained message to {@code action}, for snapshots and persistence. Runs on the calling
     * thread with no lock held; messages put or removed meanwhile may or may not be passed.
     */
    public void forEach(Consumer<Message> action) {
        deliverSubtree(root, false, action);
    }

    private static void match(Node node, String[] levels, int index, Consumer<Message> sink) {
        String level = levels[index];
        boolean last = index == levels.length - 1;
        // [MQTT-4.7.2-1] a wildcard as the first level does not match topics starting with '$'
        boolean skipDollar = index == 0;
        if (Topics.isMultiLevelWildcard(level)) {
            // "a/#" also matches "a"; the root holds no message
            deliver(node, sink);
            deliverSubtree(node, skipDollar, sink);
            return;
        }
        Map<String, Node> children = node.children;
        if (children == null) {
            return;
        }
        if (Topics.isSingleLevelWildcard(level)) {
            for (Node child : children.values()) {
                if (skipDollar && child.dollar()) {
                    continue;
                }
                matchChild(child, levels, index, last, sink);
            }
            return;
        }
        Node child = children.get(level);
        if (child != null) {
            matchChild(child, levels, index, last, sink);
        }
    }

    private static void matchChild(Node child, String[] levels, int index, boolean last, Consumer<Message> sink) {
        if (last) {
            deliver(child, sink);
        } else {
            match(child, levels, index + 1, sink);
        }
    }

    private static void deliver(Node node, Consumer<Message> sink) {
        Message message = node.message;
        if (message != null) {
            sink.accept(message);
        }
    }

    /** Passes the messages of every descendant of {@code node}, not its own. */
    private static void deliverSubtree(Node node, boolean skipDollar, Consumer<Message> sink) {
        Map<String, Node> children = node.children;
        if (children == null) {
            return;
        }
        for (Node child : children.values()) {
            if (skipDollar && child.dollar()) {
                continue;
            }
            deliver(child, sink);
            deliverSubtree(child, false, sink);
        }
    }

    /** Detaches {@code node} and then its ancestors for as long as they are empty. */
    private static void prune(Node node) {
        while (node.parent != null) {
            Node parent = node.parent;
            synchronized (parent) {
                synchronized (node) {
                    if (node.removed || node.message != null
                            || (node.children != null && !node.children.isEmpty())) {
                        return;
                    }
                    node.removed = true;
                    parent.children.remove(node.level, node);
                }
            }
            node = parent;
        }
    }

    /**
     * One topic level. {@link #children} and {@link #message} are written under the node's monitor and read
     * without it; the children map is created lazily because most nodes are leaves.
     */
    private static final class Node {

        final Node parent;
        final String level;
        volatile ConcurrentHashMap<String, Node> children;
        volatile Message message;

        /** Guarded by this. */
        boolean removed;

        Node(Node parent, String level) {
            this.parent = parent;
            this.level = level;
        }

        boolean dollar() {
            return !level.isEmpty() && level.charAt(0) == '$';
        }

        Node child(String childLevel) {
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
                if (children == null) {
                    children = new ConcurrentHashMap<>();
                }
                return children.computeIfAbsent(childLevel, key -> new Node(this, key));
            }
        }
    }
}
