package io.pulsemq.broker.amqp;

import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server SDK endpoint's queue thread. A task that fails is logged and counted, never lost in its
 * {@link Future} as a plain {@link ScheduledThreadPoolExecutor} would: the first {@value #LOGGED_IN_FULL} failures
 * with their stack traces, then one line for every {@value #LOG_EVERY}th, so that a fault repeating on every commit
 * cannot flood the log. The thread goes on with the next task either way.
 */
final class QueueExecutor extends ScheduledThreadPoolExecutor {

    static final int LOGGED_IN_FULL = 10;
    static final int LOG_EVERY = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(QueueExecutor.class);

    private final LongAdder failures = new LongAdder();

    QueueExecutor() {
        super(1, new DefaultThreadFactory("pulsemq-amqp-queues", true));
        setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // pending redeliveries resume after restart
    }

    /** Tasks that failed since start. */
    long failures() {
        return failures.sum();
    }

    @Override
    protected void afterExecute(Runnable task, Throwable thrown) {
        super.afterExecute(task, thrown);
        Throwable failure = thrown;
        if (failure == null && task instanceof Future<?> f && f.isDone() && !f.isCancelled()) {
            try {
                f.get();
            } catch (ExecutionException e) {
                failure = e.getCause();
            } catch (CancellationException | InterruptedException ignored) {
                // cancelled redelivery, or shutting down: not a failure
            }
        }
        if (failure != null) {
            failed(failure);
        }
    }

    /** Counts and logs one failure of queue work (also for work that catches its own failure to go on). */
    void failed(Throwable failure) {
        failures.increment();
        long n = failures.sum();
        if (n <= LOGGED_IN_FULL) {
            LOG.error("server SDK queue work failed ({} so far); the other queues go on", n, failure);
        } else if (n % LOG_EVERY == 0) {
            LOG.error("server SDK queue work failed ({} so far; see pulsemq_amqp_queue_failures_total): {}", n,
                    failure.toString());
        }
    }
}
