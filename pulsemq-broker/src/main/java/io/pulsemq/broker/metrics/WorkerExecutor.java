package io.pulsemq.broker.metrics;

import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One of the broker's own worker threads (the timer of session expiry, wills, retention, ban sweeps and certificate
 * reloads; the server SDK endpoint's queue thread). A task that fails is logged and counted, never lost in its
 * {@link Future} as a plain {@link ScheduledThreadPoolExecutor} would: the first {@value #LOGGED_IN_FULL} failures with
 * their stack traces, then one line for every {@value #LOG_EVERY}th, so that a fault repeating on every run cannot
 * flood the log. The thread goes on with the next task either way, and a periodic task that fails runs again at its
 * next time (a plain executor would silently never run it again).
 */
public final class WorkerExecutor extends ScheduledThreadPoolExecutor {

    static final int LOGGED_IN_FULL = 10;
    static final int LOG_EVERY = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(WorkerExecutor.class);

    private final String work;
    private final String metric;
    private final LongAdder failures = new LongAdder();

    /**
     * @param threadName the thread's name
     * @param work       what it does, for the log ("server SDK queue work")
     * @param metric     the metric that counts its failures, named in the log
     */
    public WorkerExecutor(String threadName, String work, String metric) {
        super(1, new DefaultThreadFactory(threadName, true));
        this.work = work;
        this.metric = metric;
    }

    /** Tasks that failed since start. */
    public long failures() {
        return failures.sum();
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return super.scheduleWithFixedDelay(survivor(command), initialDelay, delay, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return super.scheduleAtFixedRate(survivor(command), initialDelay, period, unit);
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
                // cancelled, or shutting down: not a failure
            }
        }
        if (failure != null) {
            failed(failure);
        }
    }

    /** Counts and logs one failure (also for work that catches its own failure to go on). */
    public void failed(Throwable failure) {
        failures.increment();
        long n = failures.sum();
        if (n <= LOGGED_IN_FULL) {
            LOG.error("{} failed ({} so far); the thread goes on", work, n, failure);
        } else if (n % LOG_EVERY == 0) {
            LOG.error("{} failed ({} so far; see {}): {}", work, n, metric, failure.toString());
        }
    }

    /** {@code command}, made to count its failure and come back at its next time. */
    private Runnable survivor(Runnable command) {
        return () -> {
            try {
                command.run();
            } catch (RuntimeException e) {
                failed(e);
            }
        };
    }
}
