package io.pulsemq.broker.amqp;

import io.pulsemq.broker.authz.Authorizer;
import io.pulsemq.broker.config.AccessKey;
import io.pulsemq.broker.config.AmqpConfig;
import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.routing.PublishListener;
import io.pulsemq.broker.store.ColumnFamily;
import io.pulsemq.broker.store.MessageCodec;
import io.pulsemq.broker.store.RocksStore;
import io.pulsemq.broker.store.StoreWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Device messages for {@code subscribeTopic}: one bounded, durable queue per (access key, parent topic).
 *
 * <p>A queue exists from the first {@code basic.consume} (or {@code queue.declare}) of a parent topic with a key on,
 * survives restarts, and from then on stores every message under that parent topic its key may read
 * ({@link KeyScope}: a device's message only when the key sees the device's group), handed to the store's writer in
 * the publisher's thread before the publish is acknowledged, and the acknowledgement waits until it is written (so a
 * PUBACK means the message is queued); consumers see a message once it is written. Consumers with the same key compete for one
 * queue (each message goes to one of them, at least once, in order per publishing client); consumers with different
 * keys have queues of their own, so one backend's acknowledgements never take messages from another. A queue holds
 * at most {@code maxMessages} undelivered messages: beyond that, new messages for it are dropped and counted
 * ({@link #droppedCount()}). Messages whose MQTT 5 expiry passes while queued are dropped when read.
 *
 * <p>At start, a stored queue whose key is gone, is a device key, or may no longer read its parent topic under the
 * current rules is deleted with its messages (and logged); so are queues of the earlier layout, one per parent topic
 * without a key.
 *
 * <p>In cluster mode a queue's node must also receive the messages other nodes publish under its parent topic: the
 * first queue of a parent topic (stored or new) declares interest in {@code <parent>/#} ({@code parentInterest},
 * {@link io.pulsemq.broker.routing.Router#addInterest}); queues are not removed while the broker runs, so neither is
 * the interest.
 *
 * <p>{@link #published} runs on publisher threads; everything else on the queue executor.
 */
final class TopicQueues implements PublishListener {

    private static final Logger LOG = LoggerFactory.getLogger(TopicQueues.class);
    /** Cursor keys: this prefix, 4-byte key ID length, key ID, parent topic. */
    private static final byte[] CURSOR_PREFIX = "topicq\0".getBytes(StandardCharsets.US_ASCII);
    /** Cursor keys of the earlier layout (one queue per parent topic): this prefix, parent topic. */
    private static final byte[] LEGACY_CURSOR_PREFIX = "topic\0".getBytes(StandardCharsets.US_ASCII);
    /**
     * First byte of every message key (0x00, 4-byte key ID length, key ID, parent topic, 0x00, 8-byte sequence). Keys of
     * the earlier layout started with the parent topic, never with 0x00.
     */
    private static final byte MESSAGE_KEY_MARKER = 0;

    private final RocksStore store;
    private final StoreWriter writer;
    private final ProgressWriter progress;
    private final ScheduledExecutorService executor;
    private final Duration redeliveryDelay;
    private final int maxMessages;
    private final Clock clock;
    private final Consumer<String> parentInterest;
    private final Map<QueueName, TopicQueue> queues = new ConcurrentHashMap<>();
    /** Every queue of a parent topic; replaced, never changed, so publisher threads read it without locks. */
    private final Map<String, TopicQueue[]> byParent = new ConcurrentHashMap<>();
    private final LongAdder dropped = new LongAdder();

    /**
     * Loads the stored queues.
     *
     * @param keys       the configured access keys (a stored queue's key is looked up by its ID)
     * @param authorizer     the rules, to drop stored queues their key may no longer read
     * @param parentInterest told of each parent topic's first queue, with the filter {@code <parent>/#}
     */
    TopicQueues(RocksStore store, StoreWriter writer, ProgressWriter progress, ScheduledExecutorService executor,
                AmqpConfig config, Clock clock, List<AccessKey> keys, Authorizer authorizer,
                Consumer<String> parentInterest) {
        this.parentInterest = parentInterest;
        this.store = store;
        this.writer = writer;
        this.progress = progress;
        this.executor = executor;
        this.redeliveryDelay = config.redeliveryDelay();
        this.maxMessages = config.topicQueueMaxMessages();
        this.clock = clock;
        Map<String, AccessKey> byId = new HashMap<>();
        keys.forEach(k -> byId.put(k.id(), k));
        List<QueueName> unreadable = new ArrayList<>();
        store.scanPrefix(ColumnFamily.AMQP_CURSORS, CURSOR_PREFIX, (key, value) -> {
            QueueName name = QueueName.ofCursorKey(key);
            AccessKey reader = byId.get(name.keyId());
            if (reader == null || !KeyScope.mayRead(reader, authorizer, name.parent())) {
                unreadable.add(name);
                return;
            }
            add(new TopicQueue(name, reader, ByteBuffer.wrap(value).getLong()));
        });
        for (QueueName name : unreadable) {
            LOG.info("server SDK queue '{}' of access key {} deleted with its messages: the key is gone or may no "
                    + "longer read it", name.parent(), name.keyId());
            delete(name.cursorKey(), name.messagePrefix());
        }
        List<String> legacy = new ArrayList<>();
        store.scanPrefix(ColumnFamily.AMQP_CURSORS, LEGACY_CURSOR_PREFIX, (key, value) -> legacy.add(
                new String(key, LEGACY_CURSOR_PREFIX.length, key.length - LEGACY_CURSOR_PREFIX.length,
                        StandardCharsets.UTF_8)));
        if (!legacy.isEmpty()) {
            LOG.warn("server SDK queues {} of an earlier version deleted with their undelivered messages: queues are now "
                    + "per access key, and subscribeTopic creates them again", legacy);
            for (String parent : legacy) {
                byte[] p = parent.getBytes(StandardCharsets.UTF_8);
                delete(concat(LEGACY_CURSOR_PREFIX, p), concat(p, new byte[] {0}));
            }
        }
    }

    /** Whether {@code name} can name a parent-topic queue: one MQTT topic level, no wildcards, not {@code $}-prefixed. */
    static boolean validParentTopic(String name) {
        return !name.isEmpty() && name.length() <= 256 && name.indexOf('/') < 0 && name.indexOf('+') < 0
                && name.indexOf('#') < 0 && name.indexOf('\0') < 0 && !name.startsWith("$");
    }

    /**
     * The queue {@code reader} reads {@code parentTopic}'s device messages from, created (durably) on first use. The
     * caller has checked that the key may read it ({@link KeyScope#topicRefusal}). Queue executor only.
     */
    DeliveryQueue queue(AccessKey reader, String parentTopic) {
        QueueName name = new QueueName(reader.id(), parentTopic);
        TopicQueue q = queues.get(name);
        if (q == null) {
            store.put(ColumnFamily.AMQP_CURSORS, name.cursorKey(), ByteBuffer.allocate(8).putLong(0).array());
            q = new TopicQueue(name, reader, 0);
            add(q);
        }
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
        TopicQueue[] readers = byParent.get(slash < 0 ? topic : topic.substring(0, slash));
        if (readers == null) {
            return;
        }
        String senderGroup = KeyScope.senderGroup(message);
        byte[] encoded = null;
        for (TopicQueue q : readers) {
            if (KeyScope.reads(q.reader, senderGroup)) {
                if (encoded == null) {
                    encoded = MessageCodec.encodeMessage(message);
                }
                q.append(encoded);
            }
        }
    }

    private void add(TopicQueue q) {
        queues.put(q.name, q);
        TopicQueue[] all = byParent.compute(q.name.parent(), (parent, existing) -> {
            if (existing == null) {
                return new TopicQueue[] {q};
            }
            TopicQueue[] grown = Arrays.copyOf(existing, existing.length + 1);
            grown[existing.length] = q;
            return grown;
        });
        if (all.length == 1) { // adds are serialized: the constructor, then the queue executor
            parentInterest.accept(q.name.parent() + "/#");
        }
    }

    private void delete(byte[] cursorKey, byte[] messagePrefix) {
        try (RocksStore.Batch batch = store.newBatch()) {
            batch.delete(ColumnFamily.AMQP_CURSORS, cursorKey).deletePrefix(ColumnFamily.AMQP_TOPIC_MESSAGES, messagePrefix);
            store.writeDurably(batch);
        }
    }

    /** A queue's identity: whose it is and which parent topic it holds. */
    private record QueueName(String keyId, String parent) {

        static QueueName ofCursorKey(byte[] key) {
            ByteBuffer b = ByteBuffer.wrap(key, CURSOR_PREFIX.length, key.length - CURSOR_PREFIX.length);
            int idLength = b.getInt();
            String keyId = new String(key, b.position(), idLength, StandardCharsets.UTF_8);
            int parentAt = b.position() + idLength;
            return new QueueName(keyId, new String(key, parentAt, key.length - parentAt, StandardCharsets.UTF_8));
        }

        byte[] cursorKey() {
            return concat(CURSOR_PREFIX, identity());
        }

        /** Every message key of this queue starts with these bytes; the parent topic ends with a 0x00. */
        byte[] messagePrefix() {
            return concat(concat(new byte[] {MESSAGE_KEY_MARKER}, identity()), new byte[] {0});
        }

        private byte[] identity() {
            byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
            byte[] p = parent.getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(4 + id.length + p.length).putInt(id.length).put(id).put(p).array();
        }
    }

    /** One key's queue of one parent topic: its stored messages and its delivery queue. */
    private final class TopicQueue implements QueueSource {
        final QueueName name;
        final AccessKey reader;
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

        TopicQueue(QueueName name, AccessKey reader, long committed) {
            this.name = name;
            this.reader = reader;
            this.cursorKey = name.cursorKey();
            this.keyPrefix = name.messagePrefix();
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
                delivery = new DeliveryQueue("topic queue " + name.parent() + " of access key " + name.keyId(), this,
                        committed, executor, redeliveryDelay, null);
            }
            return delivery;
        }

        /**
         * Publisher thread: hands one encoded message to the store's writer, or drops it when the queue is full. It
         * becomes readable once written; appends are written in the order of their sequence numbers.
         */
        void append(byte[] encodedMessage) {
            synchronized (this) {
                if (tail - committed >= maxMessages) {
                    dropped.increment();
                    if (Long.bitCount(dropped.sum()) == 1) {
                        LOG.warn("server SDK queue {} of access key {} is full ({} undelivered messages); dropping new "
                                + "messages ({} so far)", name.parent(), name.keyId(), maxMessages, dropped.sum());
                    }
                    return;
                }
                long seq = ++tail;
                writer.put(ColumnFamily.AMQP_TOPIC_MESSAGES, messageKey(seq), encodedMessage, () -> written(seq));
            }
        }

        /** Writer thread, in sequence order: the message is stored, so consumers may read it. */
        private void written(long seq) {
            visibleTail = seq;
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
                    // stored before a restart that changed the key's groups: kept from the reader all the same
                    if (m.expiredAt(now) || !KeyScope.reads(reader, KeyScope.senderGroup(m))) {
                        progress.delete(ColumnFamily.AMQP_TOPIC_MESSAGES, c.key());
                        continue;
                    }
                    sink.accept(BackendMessages.topicEntry(m, name.parent(), seq, now));
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
