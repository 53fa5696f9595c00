package io.pulsemq.broker.store;

import io.pulsemq.broker.retained.RetainedStore;
import io.pulsemq.broker.routing.Message;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Makes a retained message index durable: every change is written to {@link ColumnFamily#RETAINED} (keyed by
 * topic) before the index sees it, and construction loads every stored message into the index. Lookups go to
 * the index alone.
 *
 * <p>A change is in the OS's write-ahead log when it returns: it survives a crash of the broker process, not a
 * power loss. Thread-safe: changes to one topic are serialized (by a lock stripe), so the index and the store
 * agree on the last writer. {@link #close()} does nothing: the composition root owns the store and the index.
 */
public final class RocksRetainedStore implements RetainedStore {

    private static final int LOCK_STRIPES = 64;

    private final RocksStore store;
    private final RetainedStore index;
    private final Object[] locks = new Object[LOCK_STRIPES];

    /**
     * Loads every stored retained message into {@code index}, which should be empty.
     *
     * @throws StoreException if a stored message is corrupt
     */
    public RocksRetainedStore(RocksStore store, RetainedStore index) {
        this.store = store;
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
            store.put(ColumnFamily.RETAINED, key(message.topic()), value);
            return index.put(message);
        }
    }

    @Override
    public Message remove(String topic) {
        synchronized (lockFor(topic)) {
            store.delete(ColumnFamily.RETAINED, key(topic));
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
