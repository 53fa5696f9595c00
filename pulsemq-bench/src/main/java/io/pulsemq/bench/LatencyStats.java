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

    /**
     * Summarises latencies in microseconds, sorted ascending; unlike a histogram, values may be negative (a
     * notice that arrives before the CONNACK it is measured from, see part 4).
     */
    public static LatencyStats ofSortedMicros(long[] sorted) {
        if (sorted.length == 0) {
            return EMPTY;
        }
        return new LatencyStats(sorted.length, java.util.Arrays.stream(sorted).average().orElse(0),
                percentile(sorted, 50), percentile(sorted, 99), percentile(sorted, 99.9), sorted[sorted.length - 1]);
    }

    /** Nearest-rank percentile of sorted values. */
    private static long percentile(long[] sorted, double p) {
        return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1))];
    }

    /** A new histogram for nanosecond latencies up to one minute, 3 significant digits. */
    public static Histogram newNanosHistogram() {
        return new Histogram(60_000_000_000L, 3);
    }

    /** Formats microseconds for a report: {@code 850 µs}, {@code 12.3 ms}. */
    public static String format(double us) {
        if (Math.abs(us) < 1000) {
            return String.format(java.util.Locale.ROOT, "%.0f µs", us);
        }
        if (Math.abs(us) < 100_000) {
            return String.format(java.util.Locale.ROOT, "%.1f ms", us / 1000);
        }
        return String.format(java.util.Locale.ROOT, "%.0f ms", us / 1000);
    }
}
