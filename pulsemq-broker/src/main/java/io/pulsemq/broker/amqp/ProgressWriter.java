package io.pulsemq.broker.amqp;

import io.pulsemq.broker.store.ColumnFamily;
import io.pulsemq.broker.store.RocksStore;
import io.pulsemq.broker.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writes the queues' progress (cursor positions, deletions of acknowledged messages) to the store on its own
 * thread, so that the queue executor never waits for the store.
 *
 * <p>Why: RocksDB applies writes one group at a time, and the status log's writer fsyncs every group it leads. A
 * plain write issued while an fsync is in progress waits for it (milliseconds, longer on a busy disk). On the
 * queue executor that wait held up every delivery queued behind each acknowledgement: at 1,000 connects/s the
 * queue thread spent most of its busy time in {@code WriteThread::AwaitState} (docs/benchmarks.md, part 4).
 *
 * <p>Guarantees: operations are applied in the order they were handed over; everything pending is written as one
 * atomic batch (without fsync, like other progress), and for a key only the newest operation is kept. After a
 * crash the store therefore holds a prefix of the progress, which can only make consumers see entries again,
 * never lose them. {@link #close()} writes what is pending before returning.
 *
 * <p>Threading: {@link #put} and {@link #delete} may be called from any thread and never block; the writes run on
 * the executor given, one at a time.
 */
final class ProgressWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProgressWriter.class);

    private final RocksStore store;
    private final Executor executor;
    private final ConcurrentLinkedQueue<Op> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    /** @param executor runs the writes; a single thread of their own (they block behind fsyncs) */
    ProgressWriter(RocksStore store, Executor executor) {
        this.store = store;
        this.executor = executor;
    }

    /** Stores {@code value} under {@code key} soon. */
    void put(ColumnFamily cf, byte[] key, byte[] value) {
        pending.add(new Op(cf, key, value));
        schedule();
    }

    /** Stores an 8-byte big-endian position under {@code key} soon. */
    void putPosition(ColumnFamily cf, byte[] key, long position) {
        put(cf, key, ByteBuffer.allocate(8).putLong(position).array());
    }

    /** Removes {@code key} soon. */
    void delete(ColumnFamily cf, byte[] key) {
        pending.add(new Op(cf, key, null));
        schedule();
    }

    /** Writes everything handed over so far, on the calling thread. */
    @Override
    public void close() {
        write();
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                executor.execute(() -> {
                    scheduled.set(false);
                    write();
                });
            } catch (RejectedExecutionException stopping) {
                scheduled.set(false); // close() writes what is left
            }
        }
    }

    private synchronized void write() {
        Map<Key, Op> latest = new LinkedHashMap<>();
        for (Op op = pending.poll(); op != null; op = pending.poll()) {
            Key k = new Key(op.cf, ByteBuffer.wrap(op.key));
            latest.remove(k); // re-insert: the newest operation on a key keeps its place in the order
            latest.put(k, op);
        }
        if (latest.isEmpty()) {
            return;
        }
        try (RocksStore.Batch b = store.newBatch()) {
            for (Op op : latest.values()) {
                if (op.value == null) {
                    b.delete(op.cf, op.key);
                } else {
                    b.put(op.cf, op.key, op.value);
                }
            }
            store.write(b);
        } catch (StoreException e) {
            // Lost progress only means redelivery after a restart; the queues keep their state in memory.
            LOG.warn("could not store the progress of the server SDK queues ({} keys)", latest.size(), e);
        }
    }

    private record Op(ColumnFamily cf, byte[] key, byte[] value) {
    }

    private record Key(ColumnFamily cf, ByteBuffer key) {
    }
}
