package io.pulsemq.broker.store;

import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.retained.RetainedStore;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Makes a retained message index durable: every change is handed to the {@link StoreWriter} for
 * {@link ColumnFamily#RETAINED} (keyed by topic) as the index takes it, and construction loads every stored message
 * into the index. Lookups go to the index alone.
 *
 * <p>A change returns at once; the writer applies changes in order, so a crash leaves the store with a prefix of
 * them, and a caller that acknowledges a retained message first waits with the writer's {@link WriteBarrier}.
 * Thread-safe: changes to one topic are serialized (by a lock stripe), so the index and the writer's queue agree on
 * the last writer. {@link #close()} does nothing: the composition root owns the store, the writer and the index.
 */
public final class RocksRetainedStore implements RetainedStore {

    private static final int LOCK_STRIPES = 64;

    private final StoreWriter writer;
    private final RetainedStore index;
    private final Object[] locks = new Object[LOCK_STRIPES];

    /**
     * Loads every stored retained message into {@code index}, which should be empty.
     *
     * @throws StoreException if a stored message is corrupt
     */
    public RocksRetainedStore(RocksStore store, StoreWriter writer, RetainedStore index) {
        this.writer = writer;
        this.index = index;
        for (int i = 0; i < LOCK_STRIPES; i++) {
            locks[i] = new Object();
        }
        store.scan(ColumnFamily.RETAINED, (key, value) -> index.put(decode(key, value)));
    }

    @Override
    public Message put(Message message) {
        byte[] value = MessageCodec.encodeMessage(message);
        synchronized (lockFor(message.topic())) {
            writer.put(ColumnFamily.RETAINED, key(message.topic()), value);
            return index.put(message);
        }
    }

    @Override
    public Message remove(String topic) {
        synchronized (lockFor(topic)) {
            writer.delete(ColumnFamily.RETAINED, key(topic));
            return index.remove(topic);
        }
    }

    @Override
    public Message get(String topic) {
        return index.get(topic);
    }

    @Override
    public void match(String filter, Consumer<Message> sink) {
        index.match(filter, sink);
    }

    @Override
    public int size() {
        return index.size();
    }

    @Override
    public long bytes() {
        return index.bytes();
    }

    private Object lockFor(String topic) {
        return locks[Math.floorMod(topic.hashCode(), LOCK_STRIPES)];
    }

    private static byte[] key(String topic) {
        return topic.getBytes(StandardCharsets.UTF_8);
    }

    private static Message decode(byte[] key, byte[] value) {
        try {
            return MessageCodec.decodeMessage(value);
        } catch (IllegalArgumentException e) {
            throw new StoreException("Corrupt retained message under key " + RocksStore.describeKey(key) + ": "
                    + e.getMessage(), e);
        }
    }
}
