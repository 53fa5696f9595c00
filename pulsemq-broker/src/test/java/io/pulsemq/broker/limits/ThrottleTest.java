package io.pulsemq.broker.limits;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ThrottleTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void oneSecondsWorth_passesWithoutPause_theNextWaitsOneInterval() {
        Throttle throttle = new Throttle(10);
        long now = 100 * SECOND;
        for (int i = 0; i < 10; i++) {
            assertThat(throttle.take(1, now)).isZero();
        }
        assertThat(throttle.take(1, now)).isEqualTo(SECOND / 10);
        assertThat(throttle.take(1, now)).isEqualTo(2 * SECOND / 10); // the pause grows with what keeps coming
    }

    @Test
    void bytes_aLargeMessageWaitsForWhatItCosts() {
        Throttle throttle = new Throttle(1000); // bytes per second
        long now = 100 * SECOND;
        // 5000 bytes at 1000 B/s: one second of burst, then four seconds
        assertThat(throttle.take(5000, now)).isEqualTo(4 * SECOND);
    }

    @Test
    void keepingToTheRate_neverPauses() {
        Throttle throttle = new Throttle(10);
        long now = 100 * SECOND;
        for (int i = 0; i < 1000; i++) {
            assertThat(throttle.take(1, now + i * SECOND / 10)).isZero();
        }
    }

    @Test
    void afterAPause_theDebtIsPaidByTime() {
        Throttle throttle = new Throttle(10);
        long now = 100 * SECOND;
        for (int i = 0; i < 20; i++) {
            throttle.take(1, now);
        }
        long pause = throttle.take(1, now);
        assertThat(pause).isPositive();
        assertThat(throttle.take(0, now + pause)).isZero();
        assertThat(throttle.take(1, now + pause)).isEqualTo(SECOND / 10); // no burst left: the bucket was emptied
    }

    @Test
    void rateZero_neverPauses() {
        Throttle throttle = new Throttle(0);
        assertThat(throttle.limited()).isFalse();
        assertThat(throttle.take(1_000_000, 0)).isZero();
    }
}
