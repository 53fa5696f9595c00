package io.pulsemq.sdk;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), 2.0, 0.5);

    @Test
    void nominal_doublesPerAttempt_upToTheCap() {
        assertThat(backoff.nominal(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(backoff.nominal(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(backoff.nominal(5)).isEqualTo(Duration.ofMillis(1600));
        assertThat(backoff.nominal(6)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.nominal(1000)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void delay_jitterTakesUpToItsFractionOffTheNominal() {
        assertThat(backoff.delay(3, () -> 0.0)).isEqualTo(Duration.ofMillis(400));
        assertThat(backoff.delay(3, () -> 0.999999)).isEqualTo(Duration.ofMillis(200));
        for (int i = 0; i < 1000; i++) {
            assertThat(backoff.delay(4)).isBetween(Duration.ofMillis(400), Duration.ofMillis(800));
        }
    }

    @Test
    void delay_withoutJitter_isTheNominal() {
        Backoff exact = new Backoff(Duration.ofMillis(10), Duration.ofMillis(50), 3.0, 0.0);

        assertThat(exact.delay(2, () -> 0.7)).isEqualTo(Duration.ofMillis(30));
    }

    @Test
    void invalidSettings_areRefused() {
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 0.5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2), 0.5, 0.5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2), 2, 1.5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetryPolicy(0, Backoff.DEFAULT)).isInstanceOf(IllegalArgumentException.class);
    }
}
