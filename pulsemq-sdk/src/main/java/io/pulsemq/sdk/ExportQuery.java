package io.pulsemq.sdk;

import java.time.Instant;

/**
 * What {@link StatusClient#export} downloads: the stored events with times in [{@code begin}, {@code end}].
 *
 * @param group  one group, or null for every group the key sees
 * @param begin  earliest time (inclusive), or null for the oldest retained
 * @param end    latest time (inclusive), or null for now
 * @param format the file format
 */
public record ExportQuery(String group, Instant begin, Instant end, Format format) {

    /** The download formats. */
    public enum Format {
        /** One event JSON object per line, as in the contract. */
        JSONL,
        /** CSV with a header row. */
        CSV
    }

    /** Everything retained, as JSON lines. */
    public static ExportQuery all() {
        return new ExportQuery(null, null, null, Format.JSONL);
    }

    public ExportQuery group(String group) {
        return new ExportQuery(group, begin, end, format);
    }

    public ExportQuery begin(Instant begin) {
        return new ExportQuery(group, begin, end, format);
    }

    public ExportQuery end(Instant end) {
        return new ExportQuery(group, begin, end, format);
    }

    public ExportQuery format(Format format) {
        return new ExportQuery(group, begin, end, format);
    }
}
