package io.pulsemq.broker.store;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds a {@link StoreWriter}'s thread in a batch, as a RocksDB write stall holds it, until released: the writes handed
 * over meanwhile wait, exactly as they would behind a stalled {@code db.write}. Uses the writer's public API only (a
 * write whose batch function blocks).
 */
public final class WriterStall implements AutoCloseable {

    private final CountDownLatch release = new CountDownLatch(1);

    private WriterStall() {
    }

    /** Stalls {@code writer}; returns once its thread is held (waits up to 30 s). */
    public static WriterStall of(StoreWriter writer) throws InterruptedException {
        WriterStall stall = new WriterStall();
        CountDownLatch held = new CountDownLatch(1);
        writer.write(batch -> {
            held.countDown();
            try {
                stall.release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, 0);
        if (!held.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the store writer did not pick up the stalling write within 30 s");
        }
        return stall;
    }

    /** Lets the writer go on. Idempotent. */
    public void release() {
        release.countDown();
    }

    @Override
    public void close() {
        release();
    }
}
