package io.pulsemq.broker.api;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a step on an executor, never two at once, at least once after every {@link #signal()}. Signals that
 * arrive while a step runs cause one more step. Each step is a separate task, so streams share a small
 * executor fairly.
 */
final class SerialTask {

    private final Executor executor;
    private final Runnable step;
    private final AtomicInteger signals = new AtomicInteger();

    SerialTask(Executor executor, Runnable step) {
        this.executor = executor;
        this.step = step;
    }

    /** Asks for a step; thread-safe, never blocks. */
    void signal() {
        if (signals.getAndIncrement() == 0) {
            submit();
        }
    }

    private void run() {
        int seen = signals.get();
        try {
            step.run();
        } finally {
            if (signals.addAndGet(-seen) != 0) {
                submit();
            }
        }
    }

    private void submit() {
        try {
            executor.execute(this::run);
        } catch (RejectedExecutionException e) {
            // The API is shutting down; its streams are being closed with their connections.
            signals.set(0);
        }
    }
}
