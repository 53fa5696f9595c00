package io.pulsemq.broker.store;

/**
 * Orders what the broker tells a client after the store writes it depends on. Session, retained-message and queue
 * writes are handed to the store's writer and applied on its own thread, so that no event loop waits for the disk;
 * an acknowledgement that promises a message is kept (PUBACK, PUBREC, PUBCOMP, SUBACK, a resumed CONNACK) waits
 * until the writes the same thread handed over before it are applied.
 *
 * <p>Typical use on an event loop:
 * <pre>{@code
 * long before = barrier.handedOver();
 * router.publish(message);                      // may hand writes over
 * if (barrier.handedOver() == before) sendPubAck();
 * else barrier.afterWrites(() -> loop.execute(this::sendPubAck));
 * }</pre>
 *
 * <p>Implementations are thread-safe.
 */
public interface WriteBarrier {

    /** No store behind it: every write is applied when it is handed over. */
    WriteBarrier NONE = new WriteBarrier() {
        @Override
        public long handedOver() {
            return 0;
        }

        @Override
        public void afterWrites(Runnable task) {
            task.run();
        }

        @Override
        public boolean congested() {
            return false;
        }

        @Override
        public void whenUncongested(Runnable task) {
            task.run();
        }
    };

    /**
     * A barrier that waits for {@code first}'s writes and then for {@code second}'s (a cluster node's messages to
     * other nodes, which are acknowledged once stored there); congestion is {@code first}'s.
     */
    static WriteBarrier then(WriteBarrier first, WriteBarrier second) {
        return new WriteBarrier() {
            @Override
            public long handedOver() {
                return first.handedOver() + second.handedOver();
            }

            @Override
            public void afterWrites(Runnable task) {
                // second's marks are this thread's now; first's, taken later, cover at least as much
                second.afterWrites(() -> first.afterWrites(task));
            }

            @Override
            public boolean congested() {
                return first.congested();
            }

            @Override
            public void whenUncongested(Runnable task) {
                first.whenUncongested(task);
            }
        };
    }

    /**
     * How many writes the calling thread has handed over so far: compare two readings to learn whether the code in
     * between wrote anything.
     */
    long handedOver();

    /**
     * Runs {@code task} once every write the calling thread handed over before this call is applied (in the
     * write-ahead log: it survives a crash of the process). Tasks run in the order they were given, on the writer's
     * thread or the caller's: keep them short and hand real work to an event loop. A task given when the store is
     * closing may never run.
     */
    void afterWrites(Runnable task);

    /**
     * Whether more bytes wait to be written than the writer's high-water mark: callers that produce writes (a
     * connection reading PUBLISH packets) should stop until {@link #whenUncongested}.
     */
    boolean congested();

    /** Runs {@code task} once, as soon as the writer is below its low-water mark (at once if it is). */
    void whenUncongested(Runnable task);
}
