package io.pulsemq.broker.limits;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class SlotsTest {

    @Test
    void total_refusesBeyondMax_andTakesNothing() {
        Slots<String> slots = new Slots<>(2, 0);
        assertThat(slots.tryAcquire("a")).isEqualTo(Slots.Outcome.ADMITTED);
        assertThat(slots.tryAcquire("b")).isEqualTo(Slots.Outcome.ADMITTED);
        assertThat(slots.tryAcquire("c")).isEqualTo(Slots.Outcome.OVER_TOTAL);
        assertThat(slots.inUse()).isEqualTo(2);

        slots.release("a");
        assertThat(slots.tryAcquire("c")).isEqualTo(Slots.Outcome.ADMITTED);
    }

    @Test
    void perKey_refusesTheKeyOnly_andGivesTheTotalBack() {
        Slots<String> slots = new Slots<>(10, 2);
        slots.tryAcquire("a");
        slots.tryAcquire("a");
        assertThat(slots.tryAcquire("a")).isEqualTo(Slots.Outcome.OVER_KEY);
        assertThat(slots.inUse()).isEqualTo(2);
        assertThat(slots.tryAcquire("b")).isEqualTo(Slots.Outcome.ADMITTED);

        slots.release("a");
        assertThat(slots.inUse("a")).isEqualTo(1);
        assertThat(slots.tryAcquire("a")).isEqualTo(Slots.Outcome.ADMITTED);
    }

    @Test
    void lastRelease_forgetsTheKey() {
        Slots<String> slots = new Slots<>(0, 1);
        slots.tryAcquire("a");
        slots.release("a");
        assertThat(slots.inUse("a")).isZero();
        assertThat(slots.inUse()).isZero();
    }

    @Test
    void check_answersWithoutTaking() {
        Slots<String> slots = new Slots<>(1, 0);
        assertThat(slots.check("a")).isEqualTo(Slots.Outcome.ADMITTED);
        assertThat(slots.inUse()).isZero();
        slots.tryAcquire("a");
        assertThat(slots.check("b")).isEqualTo(Slots.Outcome.OVER_TOTAL);
    }

    @Test
    void unknownKey_countsInTheTotalOnly() {
        Slots<String> slots = new Slots<>(1, 1);
        assertThat(slots.tryAcquire(null)).isEqualTo(Slots.Outcome.ADMITTED);
        assertThat(slots.tryAcquire(null)).isEqualTo(Slots.Outcome.OVER_TOTAL);
        slots.release(null);
        assertThat(slots.inUse()).isZero();
    }

    @Test
    void addKey_toASlotTakenForNull_countsItForTheKey_orLeavesItForNullWhenTheKeyIsFull() {
        Slots<String> slots = new Slots<>(10, 1);
        slots.tryAcquire(null);
        slots.tryAcquire(null);

        assertThat(slots.tryAddKey("a")).isEqualTo(Slots.Outcome.ADMITTED);
        assertThat(slots.tryAddKey("a")).isEqualTo(Slots.Outcome.OVER_KEY);
        assertThat(slots.inUse("a")).isEqualTo(1);
        assertThat(slots.inUse()).isEqualTo(2); // the total is not touched

        slots.release("a");
        slots.release(null);
        assertThat(slots.inUse()).isZero();
        assertThat(slots.inUse("a")).isZero();
    }

    @Test
    void concurrentAcquires_neverPassTheLimit() throws Exception {
        Slots<String> slots = new Slots<>(100, 0);
        AtomicInteger admitted = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 1000; i++) {
                        if (slots.tryAcquire("k") == Slots.Outcome.ADMITTED) {
                            admitted.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(admitted.get()).isEqualTo(100);
        assertThat(slots.inUse()).isEqualTo(100);
    }
}
