package io.pulsemq.broker.amqp;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A queue with competing consumers over a {@link QueueSource}: at-least-once, ordered per order key.
 *
 * <ul>
 *   <li>It reads a window of at most {@value #WINDOW} unacknowledged entries from the source and hands each
 *       to one consumer with credit (prefetch minus unacknowledged, and room in its connection's
 *       {@link DeliveryCredit}), round-robin.</li>
 *   <li>Per order key (client ID) at most one entry is out at a time, and the next one goes out only after
 *       the previous was acknowledged: whatever the consumer's threading, it processes one client's
 *       entries in order.</li>
 *   <li>An entry whose consumer's channel closed, or that was rejected with {@code requeue=true}, is
 *       delivered again at once (redelivered flag set); one rejected with {@code requeue=false} is
 *       delivered again after {@code redeliveryDelay}, doubling per rejection up to 64 times: an entry is
 *       never dropped for being rejected (the SDK rejects whenever its listener throws).</li>
 *   <li>The committed position (everything at or below it acknowledged) goes to {@link QueueSource#commit}
 *       as it advances; after a restart the queue resumes there, so unacknowledged entries come again.</li>
 * </ul>
 *
 * <p>Not thread-safe: every method runs on the queue executor, which is also where the source is read.
 */
final class DeliveryQueue {

    /** Most entries read but not yet acknowledged. */
    static final int WINDOW = 4096;
    /** Credit of a consumer whose channel set no prefetch (0 means "no limit" in AMQP; the window bounds it). */
    static final int UNLIMITED_CREDIT = 1024;
    private static final int MAX_BACKOFF_DOUBLINGS = 6;

    private final String name;
    private final QueueSource source;
    private final ScheduledExecutorService executor;
    private final Duration redeliveryDelay;
    private final Runnable whenUnused;

    private final TreeMap<Long, Slot> pending = new TreeMap<>();
    private final Map<String, ArrayDeque<Slot>> byKey = new HashMap<>();
    private final TreeSet<Long> ready = new TreeSet<>();
    private final List<ConsumerState> consumers = new ArrayList<>();
    private final Map<QueueConsumer, ConsumerState> states = new HashMap<>();
    private int nextConsumer;
    private long readTo;
    private long committed;

    /**
     * @param startAfter the committed position to resume from
     * @param whenUnused run when the last consumer leaves (replay queues discard themselves), or null
     */
    DeliveryQueue(String name, QueueSource source, long startAfter, ScheduledExecutorService executor,
                  Duration redeliveryDelay, Runnable whenUnused) {
        this.name = name;
        this.source = source;
        this.executor = executor;
        this.redeliveryDelay = redeliveryDelay;
        this.whenUnused = whenUnused;
        this.readTo = startAfter;
        this.committed = startAfter;
    }

    String name() {
        return name;
    }

    /** Adds a consumer with the given prefetch (0: no limit) and delivers to it. */
    void addConsumer(QueueConsumer consumer, int prefetch) {
        addConsumer(consumer, prefetch, DeliveryCredit.UNLIMITED);
    }

    /**
     * Adds a consumer with the given prefetch (0: no limit) whose deliveries also count against its connection's
     * {@code credit}, and delivers to it.
     */
    void addConsumer(QueueConsumer consumer, int prefetch, DeliveryCredit credit) {
        ConsumerState s = new ConsumerState(consumer, prefetch <= 0 ? UNLIMITED_CREDIT : prefetch, credit);
        states.put(consumer, s);
        consumers.add(s);
        pump();
    }

    /** Stops delivering to a consumer ({@code basic.cancel}); what it holds can still be acknowledged. */
    void cancel(QueueConsumer consumer) {
        ConsumerState s = states.get(consumer);
        if (s != null && s.active) {
            s.active = false;
            consumers.remove(s);
            if (s.outstanding == 0) {
                states.remove(consumer);
            }
        }
        if (consumers.isEmpty() && whenUnused != null) {
            whenUnused.run();
        }
    }

    /** Number of consumers receiving deliveries. */
    int consumerCount() {
        return consumers.size();
    }

    /** Entries read and not yet acknowledged. */
    int pendingCount() {
        return pending.size();
    }

    /** The entry was processed: it is done. */
    void ack(QueueConsumer consumer, long seq) {
        Slot slot = outstanding(consumer, seq);
        if (slot == null) {
            return;
        }
        settle(slot);
        pending.remove(seq);
        source.acknowledged(seq);
        ArrayDeque<Slot> queue = byKey.get(slot.entry.orderKey());
        queue.pollFirst();
        if (queue.isEmpty()) {
            byKey.remove(slot.entry.orderKey());
        } else {
            ready.add(queue.peekFirst().entry.seq());
        }
        advanceCommitted();
        pump();
    }

    /** The consumer rejected the entry: at once again with {@code requeue}, else after the redelivery delay. */
    void reject(QueueConsumer consumer, long seq, boolean requeue) {
        Slot slot = outstanding(consumer, seq);
        if (slot == null) {
            return;
        }
        settle(slot);
        if (requeue) {
            ready.add(seq);
            pump();
            return;
        }
        slot.rejections++;
        long delay = redeliveryDelay.toMillis() << Math.min(slot.rejections - 1, MAX_BACKOFF_DOUBLINGS);
        executor.schedule(() -> {
            if (pending.get(seq) == slot && slot.holder == null) {
                ready.add(seq);
                pump();
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** The consumer's channel closed before it answered: deliver the entry again, at once. */
    void release(QueueConsumer consumer, long seq) {
        Slot slot = outstanding(consumer, seq);
        if (slot != null) {
            settle(slot);
            ready.add(seq);
            pump();
        }
    }

    /** The source has new entries. */
    void appended() {
        pump();
    }

    /** A connection's {@link DeliveryCredit} this queue waited for has room again. */
    void resume() {
        pump();
    }

    private void advanceCommitted() {
        long newCommitted = pending.isEmpty() ? readTo : pending.firstKey() - 1;
        if (newCommitted > committed) {
            committed = newCommitted;
            source.commit(committed);
        }
    }

    private Slot outstanding(QueueConsumer consumer, long seq) {
        Slot slot = pending.get(seq);
        ConsumerState s = states.get(consumer);
        if (slot == null || s == null || slot.holder != s) {
            return null;
        }
        return slot;
    }

    private void settle(Slot slot) {
        ConsumerState s = slot.holder;
        slot.holder = null;
        s.outstanding--;
        s.credit.returned();
        if (!s.active && s.outstanding == 0) {
            states.remove(s.consumer);
        }
    }

    /** Reads more when the window has room, then hands ready entries to consumers with credit. */
    private void pump() {
        if (consumers.isEmpty()) {
            return;
        }
        if (pending.size() < WINDOW / 2 && source.hasMoreAfter(readTo)) {
            readTo = source.read(readTo, WINDOW - pending.size(), this::admit);
            advanceCommitted(); // entries the source skipped (other groups' events) count as done
        }
        Iterator<Long> it = ready.iterator();
        while (it.hasNext()) {
            ConsumerState target = nextWithCredit();
            if (target == null) {
                return;
            }
            Slot slot = pending.get(it.next());
            it.remove();
            slot.holder = target;
            target.outstanding++;
            target.credit.taken();
            boolean redelivered = slot.deliveries++ > 0;
            target.consumer.deliver(this, slot.entry, redelivered);
        }
    }

    private void admit(QueueEntry entry) {
        Slot slot = new Slot(entry);
        pending.put(entry.seq(), slot);
        ArrayDeque<Slot> queue = byKey.computeIfAbsent(entry.orderKey(), k -> new ArrayDeque<>(2));
        queue.addLast(slot);
        if (queue.size() == 1) {
            ready.add(entry.seq());
        }
    }

    private ConsumerState nextWithCredit() {
        int n = consumers.size();
        for (int i = 0; i < n; i++) {
            ConsumerState s = consumers.get(Math.floorMod(nextConsumer + i, n));
            if (s.outstanding < s.prefetch) {
                if (!s.credit.available()) {
                    s.credit.waitFor(this);
                    continue;
                }
                nextConsumer = Math.floorMod(nextConsumer + i + 1, n);
                return s;
            }
        }
        return null;
    }

    private static final class Slot {
        final QueueEntry entry;
        ConsumerState holder;
        int deliveries;
        int rejections;

        Slot(QueueEntry entry) {
            this.entry = entry;
        }
    }

    private static final class ConsumerState {
        final QueueConsumer consumer;
        final int prefetch;
        final DeliveryCredit credit;
        int outstanding;
        boolean active = true;

        ConsumerState(QueueConsumer consumer, int prefetch, DeliveryCredit credit) {
            this.consumer = consumer;
            this.prefetch = prefetch;
            this.credit = credit;
        }
    }
}
