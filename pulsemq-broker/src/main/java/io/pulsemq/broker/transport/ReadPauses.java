package io.pulsemq.broker.transport;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Backpressure pauses of one protocol's connections ({@link ReadPause}): how many are paused now, and how many
 * pauses there were. Thread-safe; exported as {@code pulsemq_connections_paused} and
 * {@code pulsemq_connections_pauses_total}.
 */
public final class ReadPauses {

    private final AtomicInteger paused = new AtomicInteger();
    private final LongAdder pauses = new LongAdder();

    void paused() {
        paused.incrementAndGet();
        pauses.increment();
    }

    void resumed() {
        paused.decrementAndGet();
    }

    /** Connections not read now because their outbound buffer is above its high-water mark. */
    public int pausedNow() {
        return paused.get();
    }

    /** Backpressure pauses since start. */
    public long pausesTotal() {
        return pauses.sum();
    }
}
