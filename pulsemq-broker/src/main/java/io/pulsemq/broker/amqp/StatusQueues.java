package io.pulsemq.broker.amqp;

import io.pulsemq.broker.metrics.WorkerExecutor;
import io.pulsemq.broker.statuslog.EventFilter;
import io.pulsemq.broker.statuslog.StatusLog;
import io.pulsemq.broker.store.ColumnFamily;
import io.pulsemq.broker.store.RocksStore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The status queue ({@code STATUS}): one {@link DeliveryQueue} per consumer group over the durable status
 * log, with a durable cursor per (instance, group) shared by every consumer of that group, and replay
 * queues ({@code x-stream-offset}) that read from a chosen position with a private, in-memory cursor.
 *
 * <p>A group's cursor is created at the log's end when the group subscribes for the first time (events
 * before that are available through replay and the HTTP API); from then on, events that happen while no
 * consumer is connected are delivered when one connects, as long as retention keeps them.
 *
 * <p>Every method except {@link #onLogCommit} runs on the queue executor.
 */
final class StatusQueues implements AutoCloseable {

    /** The queue name the SDK consumes status from. */
    static final String QUEUE = "STATUS";

    private final StatusLog log;
    private final RocksStore store;
    private final ProgressWriter progress;
    private final String instanceId;
    private final ScheduledExecutorService executor;
    private final Duration redeliveryDelay;
    private final Map<String, DeliveryQueue> groups = new HashMap<>();
    private final Set<DeliveryQueue> replays = new HashSet<>();
    private final AtomicBoolean notifyScheduled = new AtomicBoolean();
    private final LongConsumer commitListener = this::onLogCommit;

    StatusQueues(StatusLog log, RocksStore store, ProgressWriter progress, String instanceId,
                 ScheduledExecutorService executor, Duration redeliveryDelay) {
        this.log = log;
        this.store = store;
        this.progress = progress;
        this.instanceId = instanceId;
        this.executor = executor;
        this.redeliveryDelay = redeliveryDelay;
        log.onCommit(commitListener);
    }

    /** The shared queue of a group, created with its durable cursor on first use. */
    DeliveryQueue group(String groupId) {
        return groups.computeIfAbsent(groupId, g -> {
            byte[] key = cursorKey(g);
            byte[] stored = store.get(ColumnFamily.AMQP_CURSORS, key);
            long start;
            if (stored == null) {
                start = log.lastOffset();
                store.put(ColumnFamily.AMQP_CURSORS, key, ByteBuffer.allocate(8).putLong(start).array());
            } else {
                start = ByteBuffer.wrap(stored).getLong();
            }
            return new DeliveryQueue("status group " + g, new GroupSource(g, key), start, executor, redeliveryDelay, null);
        });
    }

    /** A private queue reading the group's events after {@code startAfter}; gone when its consumer leaves. */
    DeliveryQueue replay(String groupId, long startAfter) {
        DeliveryQueue[] holder = new DeliveryQueue[1];
        holder[0] = new DeliveryQueue("status replay " + groupId, new GroupSource(groupId, null), startAfter, executor,
                redeliveryDelay, () -> replays.remove(holder[0]));
        replays.add(holder[0]);
        return holder[0];
    }

    /**
     * The position after which a replay of {@code groupId} starts, for an {@code x-stream-offset} argument:
     * {@code "first"} (the oldest retained event), {@code "last"} (the group's newest event), {@code "next"}
     * (only events after now), a number (that offset, or the oldest retained one if it is gone), or a
     * timestamp (the first event at or after it).
     *
     * @throws IllegalArgumentException for any other value
     */
    long replayStart(String groupId, Object streamOffset) {
        if (streamOffset instanceof Date d) {
            return log.offsetAtOrAfter(d.getTime()) - 1;
        }
        if (streamOffset instanceof Number n) {
            return Math.max(n.longValue(), log.firstOffset()) - 1;
        }
        return switch (String.valueOf(streamOffset)) {
            case "first" -> log.firstOffset() - 1;
            case "last" -> {
                long newest = log.newestOffsetOfGroup(groupId);
                yield newest == 0 ? log.lastOffset() : Math.max(newest - 1, log.firstOffset() - 1);
            }
            case "next" -> log.lastOffset();
            default -> throw new IllegalArgumentException("x-stream-offset must be an offset, a timestamp, "
                    + "\"first\", \"last\" or \"next\", was " + streamOffset);
        };
    }

    /** Whether {@code value} is an {@code x-stream-offset} this endpoint understands (checked on any thread). */
    static boolean validStreamOffset(Object value) {
        if (value instanceof Date || value instanceof Byte || value instanceof Short || value instanceof Integer
                || value instanceof Long) {
            return !(value instanceof Number n) || n.longValue() >= 0;
        }
        String s = String.valueOf(value);
        return s.equals("first") || s.equals("last") || s.equals("next");
    }

    /** Commit callback of the status log (its writer thread): wake the queues, at most one task at a time. */
    private void onLogCommit(long lastOffset) {
        if (notifyScheduled.compareAndSet(false, true)) {
            try {
                executor.execute(() -> {
                    notifyScheduled.set(false);
                    groups.values().forEach(this::wake);
                    replays.forEach(this::wake);
                });
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                notifyScheduled.set(false);
            }
        }
    }

    /** Tells one queue the log grew; a queue that fails is counted and logged, and the others still hear. */
    private void wake(DeliveryQueue queue) {
        try {
            queue.appended();
        } catch (RuntimeException e) {
            if (executor instanceof WorkerExecutor q) {
                q.failed(new IllegalStateException(queue.name() + ": cannot deliver new events", e));
            } else {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        log.removeCommitListener(commitListener);
    }

    private byte[] cursorKey(String groupId) {
        byte[] inst = instanceId.getBytes(StandardCharsets.UTF_8);
        byte[] group = groupId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(7 + inst.length + 1 + group.length)
                .put("status".getBytes(StandardCharsets.US_ASCII)).put((byte) 0).put(inst).put((byte) 0).put(group)
                .array();
    }

    /** One group's events in the status log; durable progress when {@code cursorKey} is set. */
    private final class GroupSource implements QueueSource {
        private final EventFilter filter;
        private final byte[] cursorKey;

        GroupSource(String groupId, byte[] cursorKey) {
            this.filter = new EventFilter(groupId, null);
            this.cursorKey = cursorKey;
        }

        @Override
        public long read(long afterSeq, int limit, Consumer<QueueEntry> sink) {
            return log.read(afterSeq, limit, filter, e -> {
                sink.accept(BackendMessages.statusEntry(e, QUEUE));
                return true;
            });
        }

        @Override
        public boolean hasMoreAfter(long seq) {
            return log.lastOffset() > seq;
        }

        @Override
        public void acknowledged(long seq) {
            // the log keeps its events; only the cursor moves
        }

        @Override
        public void commit(long seq) {
            if (cursorKey != null) {
                progress.putPosition(ColumnFamily.AMQP_CURSORS, cursorKey, seq);
            }
        }
    }
}
