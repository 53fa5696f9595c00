package io.pulsemq.broker.statuslog;

import java.util.function.Predicate;

/**
 * The newest events of a status log in memory, each at {@code offset & (size - 1)}: followers of the log (event
 * streams, server SDK consumers) read what was just committed without going to the store. A slot holds the newest
 * event written to it; a reader that finds another offset there (overwritten by a newer event, or never filled
 * since a start) reads the rest from the store.
 *
 * <p>Threading: one writer ({@link #put}, in offset order, before the log publishes its new last offset, which makes
 * the slots visible to readers that read that offset first); any number of readers.
 */
public final class EventTail {

    private final StoredEvent[] slots;
    private final int mask;

    /** @param size slots, a power of two */
    public EventTail(int size) {
        if (size <= 0 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("size must be a power of two: " + size);
        }
        this.slots = new StoredEvent[size];
        this.mask = size - 1;
    }

    /** How many events it holds at most. */
    public int size() {
        return slots.length;
    }

    /** Keeps {@code e} in its slot. Writer only. */
    public void put(StoredEvent e) {
        slots[(int) (e.offset() & mask)] = e;
    }

    /**
     * Passes the events with offsets in [{@code from}, {@code upTo}] that match {@code filter} to {@code sink}, in
     * order, while memory holds them, until {@code sink} returns false or {@code limit} events passed.
     *
     * @param examined the offset examined last before {@code from} (the reader's cursor)
     * @return where the read stands: done, or to go on in the store from {@link Scan#next()}
     */
    public Scan read(long from, long upTo, long examined, int limit, EventFilter filter, Predicate<StoredEvent> sink) {
        if (upTo - from >= slots.length) {
            return new Scan(from, examined, 0, false); // the oldest wanted is not in memory any more
        }
        int passed = 0;
        long o = from;
        for (; o <= upTo; o++) {
            StoredEvent e = slots[(int) (o & mask)];
            if (e == null || e.offset() != o) {
                return new Scan(o, examined, passed, false);
            }
            examined = o;
            if (filter.test(e)) {
                passed++;
                if (!sink.test(e) || passed >= limit) {
                    return new Scan(o + 1, examined, passed, true);
                }
            }
        }
        return new Scan(o, examined, passed, true);
    }

    /**
     * How a {@link #read} ended.
     *
     * @param next     the first offset not read from memory
     * @param examined the offset examined last (passed or filtered out)
     * @param passed   events passed to the sink
     * @param done     whether the read is complete (the sink stopped it, the limit was reached or {@code upTo} passed)
     */
    public record Scan(long next, long examined, int passed, boolean done) {
    }
}
