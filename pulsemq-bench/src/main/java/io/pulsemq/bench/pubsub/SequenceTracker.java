package io.pulsemq.bench.pubsub;

import java.util.BitSet;

/**
 * What one subscriber received from one publisher, by the sequence numbers in the payloads (0, 1, 2, ...): which
 * arrived, which arrived twice, and which arrived after a later one (MQTT keeps one publisher's messages on one
 * topic in order, so that is a broker fault, but not a loss). Not thread-safe: one per subscriber connection and
 * publisher, used on that connection's event loop; {@link #reordered()} may be read from elsewhere.
 */
public final class SequenceTracker {

    private final BitSet seen = new BitSet();
    private long highest = -1;
    private long unique;
    private long duplicates;
    private volatile long reordered;

    /** Records a received sequence number; answers whether it was new. */
    public boolean record(long seq) {
        if (seq < 0 || seq > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("sequence number out of range: " + seq);
        }
        int i = (int) seq;
        if (seen.get(i)) {
            duplicates++;
            return false;
        }
        seen.set(i);
        unique++;
        if (seq < highest) {
            reordered++;
        } else {
            highest = seq;
        }
        return true;
    }

    /** Distinct messages received. */
    public long unique() {
        return unique;
    }

    /** Messages received again. */
    public long duplicates() {
        return duplicates;
    }

    /** Distinct messages that arrived after a later one. */
    public long reordered() {
        return reordered;
    }

    /** The highest sequence number received, or -1. */
    public long highest() {
        return highest;
    }

    /** Of the first {@code sent} messages, how many never arrived. */
    public long lost(long sent) {
        return Math.max(0, sent - unique);
    }
}
