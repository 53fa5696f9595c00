package io.pulsemq.broker.presence;

import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.protocol.ClientStatusJson;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The latest status of every client ID, and per-group counts, in memory.
 *
 * <p>One writer: the status log applies each durable event with {@link #apply} and then advances the
 * {@link #revision()}, so every event with an offset at or below a revision read before a query is
 * reflected in that query's answer. Any number of readers, lock-free; a lookup is one map access.
 */
public final class PresenceRegistry {

    /**
     * Every status by client ID, each with its JSON encoded once when it changed: point lookups (batch status
     * queries) cost one probe and answer with bytes instead of encoding.
     */
    private final ConcurrentHashMap<String, Entry> index = new ConcurrentHashMap<>();
    /**
     * The same client IDs in order, for paging. It changes only when a client is first seen, so the
     * writer's common case (a known client's new status) is one hash-map put, not a skip-list walk.
     */
    private final ConcurrentSkipListSet<String> ordered = new ConcurrentSkipListSet<>();
    private final Map<String, GroupCounter> groups = new ConcurrentHashMap<>();
    private volatile long revision;

    /** The latest status of {@code clientId}; a never-seen client is offline with version 0. */
    public ClientStatus get(String clientId) {
        Entry e = index.get(clientId);
        return e == null ? ClientStatus.unknown(clientId) : e.status();
    }

    /** The status, or null for a never-seen client. */
    public ClientStatus find(String clientId) {
        Entry e = index.get(clientId);
        return e == null ? null : e.status();
    }

    /**
     * The status as {@link ClientStatusJson} bytes, or null for a never-seen client. The array is shared:
     * callers must not modify it.
     */
    public byte[] json(String clientId) {
        Entry e = index.get(clientId);
        return e == null ? null : e.json();
    }

    /** The offset of the client's newest status event, or 0 for a never-seen client. */
    public long lastEventOffset(String clientId) {
        Entry e = index.get(clientId);
        return e == null ? 0 : e.lastEventOffset();
    }

    /** The offset of the last event applied. */
    public long revision() {
        return revision;
    }

    /**
     * Replaces a client's status (called by the status log's writer only, in log order).
     *
     * @param json            the status as {@link ClientStatusJson} bytes (the status log stores the same bytes)
     * @param lastEventOffset the offset of the event that made this status
     */
    public void apply(ClientStatus status, byte[] json, long lastEventOffset) {
        Entry old = index.put(status.clientId(), new Entry(status, json, lastEventOffset));
        GroupCounter g = groups.computeIfAbsent(status.groupId(), k -> new GroupCounter());
        if (old == null) {
            ordered.add(status.clientId());
            g.known.incrementAndGet();
        }
        if (lastEventOffset > g.newestEvent) {
            g.newestEvent = lastEventOffset;
        }
        boolean wasOnline = old != null && old.status().online();
        if (status.online() && !wasOnline) {
            g.online.incrementAndGet();
        } else if (!status.online() && wasOnline) {
            g.online.decrementAndGet();
        }
    }

    /**
     * Forgets a client (the status log's retention, for a client offline longer than it; writer only): it is no
     * longer known, listed or counted.
     */
    public void forget(String clientId) {
        Entry old = index.remove(clientId);
        if (old == null) {
            return;
        }
        ordered.remove(clientId);
        GroupCounter g = groups.get(old.status().groupId());
        if (g != null) {
            g.known.decrementAndGet();
            if (old.status().online()) {
                g.online.decrementAndGet();
            }
        }
    }

    /** Advances the revision after the events up to {@code offset} are applied. Writer only. */
    public void advanceTo(long offset) {
        revision = offset;
    }

    /**
     * Passes every known client's status with the offset of the event that made it, as one consistent pair each
     * (a writer replacing the status meanwhile replaces both). Any thread.
     */
    public void forEachWithOffset(java.util.function.ObjLongConsumer<ClientStatus> sink) {
        for (Entry e : index.values()) {
            sink.accept(e.status(), e.lastEventOffset());
        }
    }

    /** Every client currently online. */
    public List<ClientStatus> online() {
        List<ClientStatus> out = new ArrayList<>();
        for (Entry e : index.values()) {
            if (e.status().online()) {
                out.add(e.status());
            }
        }
        return out;
    }

    /**
     * One page of clients in client ID order.
     *
     * @param after  exclusive lower bound (the previous page's last client ID), or null
     * @param prefix client ID prefix, or "" for all
     * @param filter which statuses to include
     * @param limit  most items to return
     */
    public List<ClientStatus> page(String after, String prefix, Predicate<ClientStatus> filter, int limit) {
        NavigableSet<String> view = ordered;
        if (!prefix.isEmpty()) {
            view = view.subSet(prefix, true, prefix + Character.MAX_VALUE, true);
        }
        if (after != null) {
            view = view.tailSet(after, false);
        }
        List<ClientStatus> out = new ArrayList<>(Math.min(limit, 1024));
        for (String clientId : view) {
            Entry e = index.get(clientId);
            ClientStatus s = e == null ? null : e.status();
            if (s != null && filter.test(s)) {
                out.add(s);
                if (out.size() >= limit) {
                    break;
                }
            }
        }
        return out;
    }

    /** Online and known counts of one group; zeros for an unknown group. */
    public GroupCounts group(String groupId) {
        GroupCounter g = groups.get(groupId);
        return g == null ? new GroupCounts(groupId, 0, 0) : new GroupCounts(groupId, g.online.get(), g.known.get());
    }

    /** The offset of the newest event of any client of the group, 0 for an unknown group. */
    public long groupNewestEvent(String groupId) {
        GroupCounter g = groups.get(groupId);
        return g == null ? 0 : g.newestEvent;
    }

    /** Counts of every group that has a known client. */
    public List<GroupCounts> groups() {
        List<GroupCounts> out = new ArrayList<>();
        groups.forEach((id, g) -> {
            if (g.known.get() > 0) {
                out.add(new GroupCounts(id, g.online.get(), g.known.get()));
            }
        });
        out.sort((a, b) -> a.groupId().compareTo(b.groupId()));
        return out;
    }

    /** How many clients are online, summed over the group counters (no scan of clients). */
    public long onlineCount() {
        long n = 0;
        for (GroupCounter g : groups.values()) {
            n += g.online.get();
        }
        return n;
    }

    /** How many clients are known. */
    public int size() {
        return index.size();
    }

    /** All statuses, in no particular order (for persistence checks and recovery). */
    public Collection<ClientStatus> all() {
        List<ClientStatus> out = new ArrayList<>(index.size());
        index.values().forEach(e -> out.add(e.status()));
        return out;
    }

    /** A status, its encoded form and the offset of the event that made it. */
    private record Entry(ClientStatus status, byte[] json, long lastEventOffset) {
    }

    /** Online and known client counts of a group. */
    public record GroupCounts(String groupId, long online, long known) {
    }

    private static final class GroupCounter {
        final AtomicLong online = new AtomicLong();
        final AtomicLong known = new AtomicLong();
        /** Written by the status log's writer only (and at load, before readers start). */
        volatile long newestEvent;
    }
}
