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
}
