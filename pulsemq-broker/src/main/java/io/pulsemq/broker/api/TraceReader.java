package io.pulsemq.broker.api;

import io.pulsemq.broker.api.Cursors.TracePosition;
import io.pulsemq.broker.statuslog.RejectedConnect;
import io.pulsemq.broker.statuslog.StatusLog;
import io.pulsemq.broker.statuslog.StoredEvent;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;

/**
 * A client's trace: its status events merged with its rejected connection attempts, ordered by time (at equal
 * times events before attempts; reversed exactly when newest first). Reads RocksDB: call off the event loops.
 */
final class TraceReader {

    private final StatusLog log;

    TraceReader(StatusLog log) {
        this.log = log;
    }

    /** One trace entry. */
    sealed interface Item permits EventItem, RejectedItem {
        long time();
    }

    /** A status event. */
    record EventItem(StoredEvent event) implements Item {
        @Override
        public long time() {
            return event.time();
        }
    }

    /** A rejected connection attempt. */
    record RejectedItem(RejectedConnect attempt) implements Item {
        @Override
        public long time() {
            return attempt.time();
        }
    }

    /**
     * One page.
     *
     * @param items the entries
     * @param next  where the next page starts, or null after the last page
     */
    record Page(List<Item> items, TracePosition next) {
    }

    /**
     * A page of at most {@code limit} entries with times in [{@code begin}, {@code end}], after {@code from}
     * (null: from the oldest, or with {@code reverse} the newest).
     */
    Page page(String clientId, long begin, long end, int limit, boolean reverse, TracePosition from) {
        TracePosition pos = from != null ? from
                : reverse ? new TracePosition(Long.MAX_VALUE, Long.MAX_VALUE, 0)
                : new TracePosition(0, Long.MIN_VALUE, 0);
        List<StoredEvent> events = new ArrayList<>();
        log.readClient(clientId, pos.eventOffset(), reverse, begin, end, e -> {
            events.add(e);
            return events.size() <= limit;
        });
        List<RejectedConnect> rejected = reverse
                ? rejectedNewestFirst(clientId, begin, end, pos, limit + 1)
                : rejectedOldestFirst(clientId, begin, end, pos, limit + 1);

        List<Item> items = new ArrayList<>(Math.min(limit, events.size() + rejected.size()));
        int i = 0;
        int j = 0;
        while (items.size() < limit && (i < events.size() || j < rejected.size())) {
            boolean takeEvent = j >= rejected.size() || (i < events.size() && (reverse
                    ? events.get(i).time() > rejected.get(j).time()
                    : events.get(i).time() <= rejected.get(j).time()));
            items.add(takeEvent ? new EventItem(events.get(i++)) : new RejectedItem(rejected.get(j++)));
        }
        if (i >= events.size() && j >= rejected.size()) {
            return new Page(items, null);
        }
        long eventOffset = i > 0 ? events.get(i - 1).offset() : pos.eventOffset();
        long rejectedTime = pos.rejectedTime();
        int skip = pos.rejectedSkip();
        if (j > 0) {
            long t = rejected.get(j - 1).time();
            int atT = 0;
            for (int k = j - 1; k >= 0 && rejected.get(k).time() == t; k--) {
                atT++;
            }
            skip = t == rejectedTime ? skip + atT : atT;
            rejectedTime = t;
        }
        return new Page(items, new TracePosition(eventOffset, rejectedTime, skip));
    }

    private List<RejectedConnect> rejectedOldestFirst(String clientId, long begin, long end, TracePosition pos, int max) {
        List<RejectedConnect> out = new ArrayList<>();
        int[] skipped = {0};
        log.readRejected(clientId, Math.max(begin, pos.rejectedTime()), end, r -> {
            if (r.time() == pos.rejectedTime() && skipped[0] < pos.rejectedSkip()) {
                skipped[0]++;
                return true;
            }
            out.add(r);
            return out.size() < max;
        });
        return out;
    }

    private List<RejectedConnect> rejectedNewestFirst(String clientId, long begin, long end, TracePosition pos, int max) {
        // Attempts are stored oldest first: keep a window of the newest ones (plus those to skip at the cursor's time).
        Deque<RejectedConnect> window = new ArrayDeque<>();
        long skipLimit = (long) max + pos.rejectedSkip();
        log.readRejected(clientId, begin, Math.min(end, pos.rejectedTime()), r -> {
            window.addLast(r);
            if (window.size() > skipLimit) {
                window.removeFirst();
            }
            return true;
        });
        for (int s = 0; s < pos.rejectedSkip() && !window.isEmpty() && window.peekLast().time() == pos.rejectedTime(); s++) {
            window.removeLast();
        }
        List<RejectedConnect> out = new ArrayList<>(window);
        Collections.reverse(out);
        return out.size() > max ? out.subList(0, max) : out;
    }

    /**
     * A window of the whole trace in [{@code begin}, {@code end}]: {@code take} entries after the first
     * {@code skip}, and how many entries there are in all. Holds only the attempts and the window in memory.
     */
    Window window(String clientId, long begin, long end, boolean reverse, long skip, int take) {
        List<RejectedConnect> rejected = new ArrayList<>();
        log.readRejected(clientId, begin, end, r -> rejected.add(r) || true);
        if (reverse) {
            Collections.reverse(rejected);
        }
        List<Item> items = new ArrayList<>(take);
        long[] index = {0};
        int[] j = {0};
        log.readClient(clientId, reverse ? Long.MAX_VALUE : 0, reverse, begin, end, e -> {
            while (j[0] < rejected.size() && (reverse
                    ? rejected.get(j[0]).time() >= e.time()
                    : rejected.get(j[0]).time() < e.time())) {
                collect(items, new RejectedItem(rejected.get(j[0]++)), index[0]++, skip, take);
            }
            collect(items, new EventItem(e), index[0]++, skip, take);
            return true;
        });
        while (j[0] < rejected.size()) {
            collect(items, new RejectedItem(rejected.get(j[0]++)), index[0]++, skip, take);
        }
        return new Window(items, index[0]);
    }

    private static void collect(List<Item> items, Item item, long index, long skip, int take) {
        if (index >= skip && items.size() < take) {
            items.add(item);
        }
    }

    /**
     * A window of a trace.
     *
     * @param items the entries in the window
     * @param total how many entries the whole trace has
     */
    record Window(List<Item> items, long total) {
    }
}
