package io.pulsemq.bench;

import org.HdrHistogram.Histogram;

/**
 * Percentiles of one latency histogram, in microseconds.
 *
 * @param count  samples
 * @param meanUs mean
 * @param p50Us  median
 * @param p99Us  99th percentile
 * @param p999Us 99.9th percentile
 * @param maxUs  largest sample
 */
public record LatencyStats(long count, double meanUs, double p50Us, double p99Us, double p999Us, double maxUs) {

    /** No samples. */
    public static final LatencyStats EMPTY = new LatencyStats(0, 0, 0, 0, 0, 0);

    /** Summarises a histogram whose values are nanoseconds. */
    public static LatencyStats ofNanos(Histogram h) {
        if (h == null || h.getTotalCount() == 0) {
            return EMPTY;
        }
        return new LatencyStats(h.getTotalCount(), h.getMean() / 1000.0,
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0);
    }

    /** A new histogram for nanosecond latencies up to one minute, 3 significant digits. */
    public static Histogram newNanosHistogram() {
        return new Histogram(60_000_000_000L, 3);
    }

    /** Formats microseconds for a report: {@code 850 µs}, {@code 12.3 ms}. */
    public static String format(double us) {
        if (us < 1000) {
            return String.format(java.util.Locale.ROOT, "%.0f µs", us);
        }
        if (us < 100_000) {
            return String.format(java.util.Locale.ROOT, "%.1f ms", us / 1000);
        }
        return String.format(java.util.Locale.ROOT, "%.0f ms", us / 1000);
    }
}
