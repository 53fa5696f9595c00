package io.pulsemq.broker.amqp;

import io.pulsemq.broker.routing.Message;
import io.pulsemq.broker.routing.PublishListener;
import io.pulsemq.broker.store.ColumnFamily;
import io.pulsemq.broker.store.MessageCodec;
import io.pulsemq.broker.store.RocksStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Device messages for {@code subscribeTopic}: one bounded, durable queue per parent (first-level) topic.
 *
 * <p>A queue exists from the first {@code basic.consume} (or {@code queue.declare}) of its parent topic on,
 * survives restarts, and from then on stores every message devices publish under that parent topic, in
 * the publisher's thread before the publish is acknowledged (so a PUBACK means the message is queued).
 * Consumers of one queue compete; each message goes to one of them, at least once, in order per
 * publishing client. A queue holds at most {@code maxMessages} undelivered messages: beyond that, new
 * messages for it are dropped and counted ({@link #droppedCount()}). Messages whose MQTT 5 expiry passes
 * while queued are dropped when read.
 *
 * <p>{@link #published} runs on publisher threads; everything else on the queue executor.
 */
final class TopicQueues implements PublishListener {

    private static final Logger LOG = LoggerFactory.getLogger(TopicQueues.class);
    private static final byte[] CURSOR_PREFIX = "topic\0".getBytes(StandardCharsets.US_ASCII);

    private final RocksStore store;
    private final ProgressWriter progress;
    private final ScheduledExecutorService executor;
    private final Duration redeliveryDelay;
    private final int maxMessages;
    private final Clock clock;
    private final Map<String, TopicQueue> queues = new ConcurrentHashMap<>();
    private final LongAdder dropped = new LongAdder();

    TopicQueues(RocksStore store, ProgressWriter progress, ScheduledExecutorService executor, Duration redeliveryDelay,
                int maxMessages, Clock clock) {
        this.store = store;
        this.progress = progress;
        this.executor = executor;
        this.redeliveryDelay = redeliveryDelay;
        this.maxMessages = maxMessages;
        this.clock = clock;
        store.scanPrefix(ColumnFamily.AMQP_CURSORS, CURSOR_PREFIX, (key, value) -> {
            String parent = new String(key, CURSOR_PREFIX.length, key.length - CURSOR_PREFIX.length, StandardCharsets.UTF_8);
            TopicQueue q = new TopicQueue(parent, ByteBuffer.wrap(value).getLong());
            queues.put(parent, q);
        });
    }

    /** Whether {@code name} can name a parent-topic queue: one MQTT topic level, no wildcards, not {@code $}-prefixed. */
    static boolean validParentTopic(String name) {
        return !name.isEmpty() && name.length() <= 256 && name.indexOf('/') < 0 && name.indexOf('+') < 0
                && name.indexOf('#') < 0 && name.indexOf('\0') < 0 && !name.startsWith("$");
    }

    /** The queue of a parent topic, created (durably) on first use. Queue executor only. */
    DeliveryQueue queue(String parentTopic) {
        TopicQueue q = queues.computeIfAbsent(parentTopic, p -> {
            TopicQueue created = new TopicQueue(p, 0);
            store.put(ColumnFamily.AMQP_CURSORS, created.cursorKey, ByteBuffer.allocate(8).putLong(0).array());
            return created;
        });
        return q.delivery();
    }

    /** Messages dropped because their queue was full. */
    long droppedCount() {
        return dropped.sum();
    }

    @Override
    public void published(Message message) {
        String topic = message.topic();
        int slash = topic.indexOf('/');
        TopicQueue q = queues.get(slash < 0 ? topic : topic.substring(0, slash));
        if (q != null) {
            q.append(message);
        }
    }

    /** One parent topic's stored messages and its delivery queue. */
    private final class TopicQueue implements QueueSource {
        final String parent;
        final byte[] cursorKey;
        final byte[] keyPrefix;
        final AtomicBoolean notifyScheduled = new AtomicBoolean();
        /** Guarded by this: the last sequence assigned. */
        long tail;
        /** The last sequence whose message is stored (readable). */
        volatile long visibleTail;
        /** The committed position; written on the queue executor, read by appenders. */
        volatile long committed;
        /** Queue executor only. */
        DeliveryQueue delivery;

        TopicQueue(String parent, long committed) {
            this.parent = parent;
            byte[] p = parent.getBytes(StandardCharsets.UTF_8);
            this.cursorKey = concat(CURSOR_PREFIX, p);
            this.keyPrefix = concat(p, new byte[] {0});
            this.committed = committed;
            long last = committed;
            try (RocksStore.Cursor c = store.cursor(ColumnFamily.AMQP_TOPIC_MESSAGES, messageKey(0), messageKey(Long.MAX_VALUE))) {
                c.seekToLast();
                if (c.valid()) {
                    last = Math.max(last, ByteBuffer.wrap(c.key(), c.key().length - 8, 8).getLong());
                }
            }
            this.tail = last;
            this.visibleTail = last;
        }

        DeliveryQueue delivery() {
            if (delivery == null) {
                delivery = new DeliveryQueue("topic queue " + parent, this, committed, executor, redeliveryDelay, null);
            }
            return delivery;
        }

        void append(Message message) {
            synchronized (this) {
                if (tail - committed >= maxMessages) {
                    dropped.increment();
                    if (Long.bitCount(dropped.sum()) == 1) {
                        LOG.warn("server SDK queue {} is full ({} undelivered messages); dropping new messages ({} so far)",
                                parent, maxMessages, dropped.sum());
                    }
                    return;
                }
                long seq = ++tail;
                store.put(ColumnFamily.AMQP_TOPIC_MESSAGES, messageKey(seq), MessageCodec.encodeMessage(message));
                visibleTail = seq;
            }
            if (notifyScheduled.compareAndSet(false, true)) {
                try {
                    executor.execute(() -> {
                        notifyScheduled.set(false);
                        if (delivery != null) {
                            delivery.appended();
                        }
                    });
                } catch (RejectedExecutionException stopping) {
                    notifyScheduled.set(false);
                }
            }
        }

        @Override
        public long read(long afterSeq, int limit, Consumer<QueueEntry> sink) {
            long upTo = visibleTail;
            long examined = afterSeq;
            int passed = 0;
            long now = clock.millis();
            try (RocksStore.Cursor c = store.cursor(ColumnFamily.AMQP_TOPIC_MESSAGES, messageKey(afterSeq + 1),
                    messageKey(upTo + 1))) {
                for (; c.valid() && passed < limit; c.next()) {
                    long seq = ByteBuffer.wrap(c.key(), c.key().length - 8, 8).getLong();
                    Message m = MessageCodec.decodeMessage(c.value());
                    examined = seq;
                    if (m.expiredAt(now)) {
                        progress.delete(ColumnFamily.AMQP_TOPIC_MESSAGES, c.key());
                        continue;
                    }
                    sink.accept(BackendMessages.topicEntry(m, parent, seq, now));
                    passed++;
                }
            }
            // acknowledged (deleted) messages between afterSeq and upTo leave no key: when nothing is left,
            // everything up to upTo was examined
            return passed < limit ? Math.max(examined, upTo) : examined;
        }

        @Override
        public boolean hasMoreAfter(long seq) {
            return visibleTail > seq;
        }

        @Override
        public void acknowledged(long seq) {
            progress.delete(ColumnFamily.AMQP_TOPIC_MESSAGES, messageKey(seq));
        }

        @Override
        public void commit(long seq) {
            progress.putPosition(ColumnFamily.AMQP_CURSORS, cursorKey, seq);
            committed = seq;
        }

        private byte[] messageKey(long seq) {
            byte[] key = Arrays.copyOf(keyPrefix, keyPrefix.length + 8);
            ByteBuffer.wrap(key, keyPrefix.length, 8).putLong(seq);
            return key;
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
