package io.pulsemq.sdk;

import java.time.Instant;

/**
 * Which part of a client's trace {@link StatusClient#trace} returns. Immutable; start from {@link #all()}.
 *
 * @param begin       earliest time, epoch ms (inclusive)
 * @param end         latest time, epoch ms (inclusive)
 * @param pageSize    entries per HTTP call, 1..1000
 * @param newestFirst newest entry first instead of oldest first
 */
public record TraceQuery(long begin, long end, int pageSize, boolean newestFirst) {

    public TraceQuery {
        if (begin > end) {
            throw new IllegalArgumentException("begin is after end");
        }
        if (pageSize < 1 || pageSize > ListQuery.MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("pageSize must be 1.." + ListQuery.MAX_PAGE_SIZE);
        }
    }

    /** The whole retained trace, oldest first. */
    public static TraceQuery all() {
        return new TraceQuery(0, Long.MAX_VALUE, ListQuery.MAX_PAGE_SIZE, false);
    }

    public TraceQuery begin(Instant begin) {
        return new TraceQuery(begin.toEpochMilli(), end, pageSize, newestFirst);
    }

    public TraceQuery end(Instant end) {
        return new TraceQuery(begin, end.toEpochMilli(), pageSize, newestFirst);
    }

    public TraceQuery pageSize(int pageSize) {
        return new TraceQuery(begin, end, pageSize, newestFirst);
    }

    public TraceQuery newestFirst(boolean newestFirst) {
        return new TraceQuery(begin, end, pageSize, newestFirst);
    }
}
