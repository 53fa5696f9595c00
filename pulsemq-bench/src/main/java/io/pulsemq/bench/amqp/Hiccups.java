package io.pulsemq.bench.amqp;

import io.pulsemq.bench.LatencyStats;
import org.HdrHistogram.Histogram;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A control for latency measurements on a shared machine (the idea of jHiccup): a thread that asks to sleep 1 ms,
 * over and over, and records by how much each wake-up came late. Whatever delays it (other processes on the
 * cores, the JVM's pauses) delays every other thread of the machine the same way, so a measured latency tail
 * of the same size as the hiccups' is the machine's, not the system's under test.
 */
final class Hiccups implements AutoCloseable {

    private static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Histogram lateness = LatencyStats.newNanosHistogram();
    private final Thread thread;
    private volatile boolean running = true;

    private Hiccups() {
        thread = new Thread(this::run, "bench-hiccups");
        thread.setDaemon(true);
    }

    /** Starts measuring. */
    static Hiccups start() {
        Hiccups h = new Hiccups();
        h.thread.start();
        return h;
    }

    private void run() {
        while (running) {
            long before = System.nanoTime();
            LockSupport.parkNanos(PERIOD_NANOS);
            long late = System.nanoTime() - before - PERIOD_NANOS;
            synchronized (lateness) {
                lateness.recordValue(Math.max(0, Math.min(late, lateness.getHighestTrackableValue())));
            }
        }
    }

    /** Stops measuring; returns how late the wake-ups were. */
    LatencyStats stop() {
        close();
        synchronized (lateness) {
            return LatencyStats.ofNanos(lateness);
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
