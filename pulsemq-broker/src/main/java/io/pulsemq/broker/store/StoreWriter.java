package io.pulsemq.broker.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The store's own writer: session, will, retained-message and device-message queue writes are handed to it from the
 * event loops and applied on its thread, so that a RocksDB write stall (a memtable flush falling behind, an fsync of
 * the status log's group ahead in RocksDB's write queue, a full disk) holds up this thread, never an event loop.
 *
 * <p><b>Order and atomicity.</b> Writes are applied in the order they were handed over (one queue); what is waiting
 * when the thread wakes is written as one RocksDB batch (up to {@value #MAX_BATCH_WRITES} writes or
 * {@value #MAX_BATCH_BYTES} bytes), so a crash leaves the store with a prefix of what was handed over, never a later
 * write without an earlier one. One {@link #write(Consumer, int)} is never split between batches.
 *
 * <p><b>Durability.</b> Batches are written like {@link RocksStore#write}: in the operating system's write-ahead log
 * when applied, surviving a crash of the process. {@link #afterWrites} tells a caller when that is the case for its
 * writes (see {@link WriteBarrier}).
 *
 * <p><b>Failures.</b> A batch the store refuses (a full disk, an I/O error) is kept and tried again, with a pause
 * growing from 50 ms to 1 s, until it is written: nothing is dropped and nothing after it overtakes it. Meanwhile the
 * writes handed over wait in memory; once more than the high-water mark of bytes wait, {@link #congested()} tells
 * producers to stop reading their clients, so memory stays bounded; acknowledgements wait (nothing is acknowledged
 * that is not stored). The first failure of a run is logged with its cause, the recovery once; every failed attempt
 * is counted. {@link #failure()} names the failure while it lasts ({@code /health/ready} reports it).
 *
 * <p><b>Threading.</b> Every method may be called from any thread and never blocks, except {@link #close()}.
 */
public final class StoreWriter implements WriteBarrier, AutoCloseable {

    static final int MAX_BATCH_WRITES = 1024;
    static final int MAX_BATCH_BYTES = 4 * 1024 * 1024;
    /** Bytes counted for a write besides its key and value: the queue node, the write and RocksDB's record header. */
    static final int WRITE_OVERHEAD_BYTES = 64;
    private static final long MAX_RETRY_PAUSE_MILLIS = 1000;
    private static final long CLOSE_WAIT_MILLIS = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(StoreWriter.class);

    private final RocksStore store;
    private final long highWaterBytes;
    private final long lowWaterBytes;
    private final ConcurrentLinkedQueue<Op> queue = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Runnable> uncongested = new ConcurrentLinkedQueue<>();
    private final AtomicLong pendingBytes = new AtomicLong();
    /** Ops handed over (writes and afterWrites tasks) whose batch has not been applied and run yet. */
    private final AtomicLong unfinished = new AtomicLong();
    private final AtomicBoolean parked = new AtomicBoolean();
    private final ThreadLocal<long[]> handedOver = ThreadLocal.withInitial(() -> new long[1]);
    private final LongAdder batches = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final Thread thread;
    private volatile boolean closing;
    private volatile String failure;

    /**
     * Starts the writer's thread.
     *
     * @param highWaterBytes bytes waiting above which {@link #congested()} is true; it turns false again below half of
     *                       it
     */
    public StoreWriter(RocksStore store, long highWaterBytes) {
        if (highWaterBytes <= 0) {
            throw new IllegalArgumentException("highWaterBytes must be positive: " + highWaterBytes);
        }
        this.store = store;
        this.highWaterBytes = highWaterBytes;
        this.lowWaterBytes = highWaterBytes / 2;
        this.thread = new Thread(this::run, "pulsemq-store-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stores {@code value} under {@code key}. */
    public void put(ColumnFamily cf, byte[] key, byte[] value) {
        enqueue(new Op(cf, key, value, null, key.length + value.length, null));
    }

    /** Stores {@code value} under {@code key}, then runs {@code applied} on the writer's thread (keep it short). */
    public void put(ColumnFamily cf, byte[] key, byte[] value, Runnable applied) {
        enqueue(new Op(cf, key, value, null, key.length + value.length, applied));
    }

    /** Removes {@code key}. */
    public void delete(ColumnFamily cf, byte[] key) {
        enqueue(new Op(cf, key, null, null, key.length, null));
    }

    /**
     * Applies the changes {@code change} adds to a batch, all in one RocksDB batch with the writes around them. The
     * function may run more than once (a failed batch is rebuilt to be tried again): it must only add to the batch.
     *
     * @param bytes about how many bytes the changes write, for {@link #congested()}
     */
    public void write(Consumer<RocksStore.Batch> change, int bytes) {
        enqueue(new Op(null, null, null, change, bytes, null));
    }

    /** Like {@link #write(Consumer, int)}, then runs {@code applied} on the writer's thread (keep it short). */
    public void write(Consumer<RocksStore.Batch> change, int bytes, Runnable applied) {
        enqueue(new Op(null, null, null, change, bytes, applied));
    }

    @Override
    public long handedOver() {
        return handedOver.get()[0];
    }

    @Override
    public void afterWrites(Runnable task) {
        if (unfinished.get() == 0) {
            // nothing handed over (by any thread) is waiting or being applied, no earlier task waits: run it here,
            // without a trip through the writer's thread (a cluster's acknowledgements take this path most often)
            task.run();
            return;
        }
        // Not counted in handedOver: waiting for writes is not a write.
        enqueueCounted(new Op(null, null, null, null, 0, task), false);
    }

    /**
     * Waits until every write handed over before this call, by any thread, is applied. Blocks: for startup, shutdown
     * and tests, never for an event loop.
     *
     * @throws StoreException if the writer stops (it is closed) before that
     */
    public void flush() {
        CountDownLatch applied = new CountDownLatch(1);
        afterWrites(applied::countDown);
        try {
            while (!applied.await(100, TimeUnit.MILLISECONDS)) {
                if (!thread.isAlive()) {
                    throw new StoreException("the store writer stopped before the writes were applied");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for the store writer", e);
        }
    }

    /** Ops handed over whose batch is not applied and run yet (0: an {@link #afterWrites} task runs at once). */
    long unfinished() {
        return unfinished.get();
    }

    @Override
    public boolean congested() {
        return pendingBytes.get() > highWaterBytes;
    }

    @Override
    public void whenUncongested(Runnable task) {
        uncongested.add(task);
        if (pendingBytes.get() <= lowWaterBytes) {
            runUncongested(); // the writer may have drained below the mark before the task was added
        }
    }

    /** Bytes handed over and not yet applied. */
    public long pendingBytes() {
        return pendingBytes.get();
    }

    /** Batches written since start. */
    public long batches() {
        return batches.sum();
    }

    /** Attempts to write a batch that the store refused, since start. */
    public long failures() {
        return failures.sum();
    }

    /** Why writes fail right now, or empty while they succeed. */
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Writes everything handed over so far and stops the thread; waits up to 10 s for a store that keeps refusing.
     * Call it once nothing hands writes over any more (the listeners are closed): later writes are not stored.
     */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(thread);
        try {
            thread.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.error("the store writer did not finish within {} ms ({}); {} bytes of session, retained and queue "
                    + "writes are not stored", CLOSE_WAIT_MILLIS, failure, pendingBytes.get());
            thread.interrupt();
        }
    }

    private void enqueue(Op op) {
        enqueueCounted(op, true);
    }

    private void enqueueCounted(Op op, boolean counts) {
        if (counts) {
            handedOver.get()[0]++;
            pendingBytes.addAndGet(op.bytes + WRITE_OVERHEAD_BYTES);
        }
        unfinished.incrementAndGet();
        queue.add(op);
        if (parked.get() && parked.compareAndSet(true, false)) {
            LockSupport.unpark(thread);
        }
    }

    private void run() {
        List<Op> batch = new ArrayList<>();
        while (true) {
            Op first = queue.poll();
            if (first == null) {
                if (closing) {
                    return;
                }
                park();
                continue;
            }
            batch.add(first);
            int bytes = first.bytes;
            while (batch.size() < MAX_BATCH_WRITES && bytes < MAX_BATCH_BYTES) {
                Op next = queue.poll();
                if (next == null) {
                    break;
                }
                batch.add(next);
                bytes += next.bytes;
            }
            if (!writeUntilStored(batch)) {
                return; // interrupted while closing
            }
            for (Op op : batch) {
                if (op.applied != null) {
                    runApplied(op.applied);
                }
            }
            unfinished.addAndGet(-batch.size());
            batch.clear();
            if (!uncongested.isEmpty() && pendingBytes.get() <= lowWaterBytes) {
                runUncongested();
            }
        }
    }

    private void park() {
        parked.set(true);
        if (!queue.isEmpty() || closing) {
            parked.set(false);
            return;
        }
        LockSupport.park(this);
        parked.set(false);
    }

    /** Writes {@code ops} as one batch, retrying until the store takes it; false if interrupted meanwhile. */
    private boolean writeUntilStored(List<Op> ops) {
        long pause = 0;
        while (true) {
            long bytes = 0;
            int writes = 0;
            try (RocksStore.Batch b = store.newBatch()) {
                for (Op op : ops) {
                    if (op.change == null && op.key == null) {
                        continue; // a barrier
                    }
                    bytes += op.bytes + WRITE_OVERHEAD_BYTES;
                    if (op.change != null) {
                        if (contribute(op, b)) {
                            writes++;
                        }
                    } else if (op.value != null) {
                        b.put(op.cf, op.key, op.value);
                        writes++;
                    } else {
                        b.delete(op.cf, op.key);
                        writes++;
                    }
                }
                if (writes > 0) {
                    store.write(b);
                    batches.increment();
                }
                pendingBytes.addAndGet(-bytes);
                if (failure != null) {
                    LOG.info("the store takes writes again; {} bytes of session, retained and queue writes waited",
                            bytes);
                    failure = null;
                }
                return true;
            } catch (RuntimeException e) {
                failures.increment();
                if (failure == null) {
                    LOG.error("the store refused a batch of {} session, retained and queue writes ({}); keeping them "
                            + "to try again, acknowledgements wait", writes, e.getMessage(), e);
                }
                failure = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                pause = Math.min(Math.max(2 * pause, 50), MAX_RETRY_PAUSE_MILLIS);
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(pause)); // this thread, never an event loop
                if (Thread.currentThread().isInterrupted()) {
                    return false;
                }
            }
        }
    }

    /**
     * Adds one {@link #write(Consumer, int)} to the batch; false if its function failed, which is a bug, not a store
     * failure: that write is skipped (logged), so that it cannot hold up every write behind it.
     */
    private static boolean contribute(Op op, RocksStore.Batch b) {
        try {
            op.change.accept(b);
            return true;
        } catch (StoreException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.error("skipping a store write that could not be built", e);
            return false;
        }
    }

    private static void runApplied(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            LOG.error("a task run after a store write failed", e);
        }
    }

    private void runUncongested() {
        for (Runnable task = uncongested.poll(); task != null; task = uncongested.poll()) {
            runApplied(task);
        }
    }

    /**
     * One write, a batch contribution or a barrier (neither).
     *
     * @param value   the value of a put; null for a delete
     * @param change  what a {@link #write(Consumer, int)} adds to the batch; null otherwise
     * @param bytes   what the write counts against the high-water mark, besides {@link #WRITE_OVERHEAD_BYTES}
     * @param applied run once the write is applied, or null
     */
    private record Op(ColumnFamily cf, byte[] key, byte[] value, Consumer<RocksStore.Batch> change, int bytes,
                      Runnable applied) {
    }
}
