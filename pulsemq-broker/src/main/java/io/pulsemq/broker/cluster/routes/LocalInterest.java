package io.pulsemq.broker.cluster.routes;

import io.pulsemq.broker.cluster.routes.RouteWire.Announcement;
import io.pulsemq.broker.cluster.routes.RouteWire.Delta;
import io.pulsemq.broker.cluster.routes.RouteWire.Digest;
import io.pulsemq.broker.cluster.routes.RouteWire.Snapshot;
import io.pulsemq.broker.subscription.Subscription;
import io.pulsemq.broker.subscription.SubscriptionTrie;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * This node's interest, as the other nodes are told of it: the keys (filters, {@code $share/g/f} for shared groups)
 * of its subscriptions and of its other consumers ({@link #add}), each counted. A key's first holder announces a
 * {@link Delta} {@code added}, its last one leaving a delta {@code removed}; every delta takes the next sequence number
 * of this node's epoch, and is applied to the {@link InterestTable} (as this node's) before it is announced.
 *
 * <p>Threading: every change and every snapshot is serialized by this object's monitor, and announced while it is
 * held, so that announcements leave in sequence order. Changes arrive as the subscription trie's {@link
 * SubscriptionTrie.Listener} (on the changing thread, under the filter's node lock); the announcer must therefore be
 * quick and must not block or throw.
 */
public final class LocalInterest implements SubscriptionTrie.Listener {

    /** Keys of one snapshot part add up to at most this many bytes (NATS refuses messages over its max_payload). */
    static final int MAX_PART_BYTES = 256 * 1024;

    private final String node;
    private final long epoch;
    private final InterestTable table;
    private final Consumer<Announcement> announcer;
    private final int maxPartBytes;
    /** How many holders each key has; guarded by this. */
    private final Map<String, Integer> counts = new HashMap<>();
    /** The sequence number of the last delta; guarded by this. */
    private long seq;

    /**
     * @param epoch     this run of the node (another start must have another epoch)
     * @param announcer sends an announcement to the other nodes; called in sequence order
     */
    public LocalInterest(String node, long epoch, InterestTable table, Consumer<Announcement> announcer) {
        this(node, epoch, table, announcer, MAX_PART_BYTES);
    }

    LocalInterest(String node, long epoch, InterestTable table, Consumer<Announcement> announcer, int maxPartBytes) {
        this.node = node;
        this.epoch = epoch;
        this.table = table;
        this.announcer = announcer;
        this.maxPartBytes = maxPartBytes;
    }

    @Override
    public void added(Subscription subscription) {
        add(subscription.fullFilter());
    }

    @Override
    public void removed(Subscription subscription) {
        remove(subscription.fullFilter());
    }

    /** One more holder of {@code key}. */
    public synchronized void add(String key) {
        change(key, 1);
    }

    /** One holder less of {@code key}. */
    public synchronized void remove(String key) {
        change(key, -1);
    }

    private void change(String key, int by) {
        int before = counts.getOrDefault(key, 0);
        int after = before + by;
        if (after == 0) {
            counts.remove(key);
        } else {
            counts.put(key, after);
        }
        if (before == 0 && after == 1) {
            seq++;
            table.addLocal(key);
            announcer.accept(new Delta(node, epoch, seq, true, key));
        } else if (before == 1 && after == 0) {
            seq++;
            table.removeLocal(key);
            announcer.accept(new Delta(node, epoch, seq, false, key));
        }
    }

    /** Announces every key as of now, in parts of at most {@link #MAX_PART_BYTES}, one after the other. */
    public synchronized void announceSnapshot() {
        List<List<String>> parts = new ArrayList<>();
        List<String> part = new ArrayList<>();
        int bytes = 0;
        for (String key : counts.keySet()) {
            int size = key.getBytes(StandardCharsets.UTF_8).length + 4;
            if (!part.isEmpty() && bytes + size > maxPartBytes) {
                parts.add(part);
                part = new ArrayList<>();
                bytes = 0;
            }
            part.add(key);
            bytes += size;
        }
        parts.add(part);
        for (int i = 0; i < parts.size(); i++) {
            announcer.accept(new Snapshot(node, epoch, seq, i, parts.size(), parts.get(i)));
        }
    }

    /** Announces where this node's announcements stand. */
    public synchronized void announceDigest() {
        announcer.accept(new Digest(node, epoch, seq));
    }

    /** The keys held now, in order. */
    public synchronized Set<String> keys() {
        return new TreeSet<>(counts.keySet());
    }
}
