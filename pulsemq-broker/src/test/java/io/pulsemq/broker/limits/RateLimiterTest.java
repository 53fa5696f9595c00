package io.pulsemq.broker.limits;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateLimiterTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void burst_passesAtOnce_thenOneMoreIsRefused() {
        RateLimiter limiter = RateLimiter.perSecond(10, 3);
        long now = 5 * SECOND;

        assertThat(limiter.tryAcquire(now)).isTrue();
        assertThat(limiter.tryAcquire(now)).isTrue();
        assertThat(limiter.tryAcquire(now)).isTrue();
        assertThat(limiter.tryAcquire(now)).isFalse();
        assertThat(limiter.tryAcquire(now)).isFalse(); // a refusal takes nothing, and gives nothing back either
    }

    @Test
    void permits_comeBackAtTheRate() {
        RateLimiter limiter = RateLimiter.perSecond(10, 1);
        long now = SECOND;
        assertThat(limiter.tryAcquire(now)).isTrue();
        assertThat(limiter.tryAcquire(now + SECOND / 20)).isFalse(); // half an interval later
        assertThat(limiter.tryAcquire(now + SECOND / 10)).isTrue();  // one interval later
        assertThat(limiter.tryAcquire(now + SECOND / 10)).isFalse();
    }

    @Test
    void sustained_allowsTheRateOverAnyLongerTime() {
        RateLimiter limiter = RateLimiter.perSecond(100, 10);
        int granted = 0;
        // one attempt per millisecond for ten seconds: 10 of the burst plus 100 per second
        for (long ms = 0; ms < 10_000; ms++) {
            if (limiter.tryAcquire(TimeUnit.MILLISECONDS.toNanos(1_000_000 + ms))) {
                granted++;
            }
        }
        assertThat(granted).isBetween(1000, 1010);
    }

    @Test
    void idle_fillsTheBucketOnlyUpToTheBurst() {
        RateLimiter limiter = RateLimiter.perSecond(1, 2);
        long later = 3600 * SECOND;
        assertThat(limiter.tryAcquire(later)).isTrue();
        assertThat(limiter.tryAcquire(later)).isTrue();
        assertThat(limiter.tryAcquire(later)).isFalse();
    }

    @Test
    void rateZero_neverRefuses() {
        RateLimiter limiter = RateLimiter.perSecond(0, 0);
        assertThat(limiter.limited()).isFalse();
        for (int i = 0; i < 10_000; i++) {
            assertThat(limiter.tryAcquire(0)).isTrue();
        }
    }

    @Test
    void limitedWithoutBurst_isRejected() {
        assertThatThrownBy(() -> RateLimiter.perSecond(10, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
