package io.pulsemq.bench;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LatencyStatsTest {

    @Test
    void ofNanos_uniformSamples_percentilesInMicroseconds() {
        Histogram h = LatencyStats.newNanosHistogram();
        for (int i = 1; i <= 1000; i++) {
            h.recordValue(i * 1000L); // 1 .. 1000 µs
        }

        LatencyStats s = LatencyStats.ofNanos(h);

        assertThat(s.count()).isEqualTo(1000);
        assertThat(s.p50Us()).isCloseTo(500, within(1.0));
        assertThat(s.p99Us()).isCloseTo(990, within(1.0));
        assertThat(s.maxUs()).isCloseTo(1000, within(1.0));
    }

    @Test
    void ofNanos_empty_isZero() {
        assertThat(LatencyStats.ofNanos(LatencyStats.newNanosHistogram())).isEqualTo(LatencyStats.EMPTY);
    }

    @Test
    void format_switchesToMillisecondsAboveOne() {
        assertThat(LatencyStats.format(850)).isEqualTo("850 µs");
        assertThat(LatencyStats.format(12_345)).isEqualTo("12.3 ms");
    }

    @Test
    void ofSortedMicros_negativeValues_nearestRankPercentiles() {
        long[] sorted = new long[100];
        for (int i = 0; i < 100; i++) {
            sorted[i] = i - 10; // -10 .. 89 µs
        }

        LatencyStats s = LatencyStats.ofSortedMicros(sorted);

        assertThat(s.count()).isEqualTo(100);
        assertThat(s.p50Us()).isEqualTo(39);
        assertThat(s.p99Us()).isEqualTo(88);
        assertThat(s.maxUs()).isEqualTo(89);
        assertThat(LatencyStats.ofSortedMicros(new long[0])).isEqualTo(LatencyStats.EMPTY);
        assertThat(LatencyStats.format(-23_074)).isEqualTo("-23.1 ms");
    }
}
