package io.pulsemq.broker.metrics;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class WorkerExecutorTest {

    private final WorkerExecutor executor = new WorkerExecutor("test-worker", "test work", "test_failures_total");

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void failingTasks_areCounted_andTheThreadGoesOnWithTheNext() throws Exception {
        executor.execute(() -> {
            throw new IllegalStateException("boom");
        });
        executor.submit(() -> {
            throw new IllegalArgumentException("boom in a future");
        });
        executor.schedule(() -> {
            throw new IllegalStateException("boom later");
        }, 1, TimeUnit.MILLISECONDS);
        CountDownLatch next = new CountDownLatch(1);
        executor.schedule(next::countDown, 2, TimeUnit.MILLISECONDS);

        assertThat(next.await(30, TimeUnit.SECONDS)).isTrue();
        await().until(() -> executor.failures() == 3);
    }

    @Test
    void periodicTaskThatFails_runsAgainAtItsNextTime() {
        AtomicInteger runs = new AtomicInteger();
        executor.scheduleWithFixedDelay(() -> {
            runs.incrementAndGet();
            throw new IllegalStateException("every time");
        }, 0, 1, TimeUnit.MILLISECONDS);

        await().until(() -> runs.get() >= 3);
        assertThat(executor.failures()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void cancelledTask_isNoFailure() throws Exception {
        executor.schedule(() -> { }, 1, TimeUnit.HOURS).cancel(false);
        CountDownLatch next = new CountDownLatch(1);
        executor.execute(next::countDown);

        assertThat(next.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(executor.failures()).isZero();
    }
}
