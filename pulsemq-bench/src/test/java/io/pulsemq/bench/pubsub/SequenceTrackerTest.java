package io.pulsemq.bench.pubsub;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SequenceTrackerTest {

    @Test
    void record_gapThenLateArrival_countsReorderedNotLost() {
        SequenceTracker t = new SequenceTracker();

        t.record(0);
        t.record(2);
        boolean late = t.record(1);

        assertThat(late).isTrue();
        assertThat(t.unique()).isEqualTo(3);
        assertThat(t.reordered()).isEqualTo(1);
        assertThat(t.lost(3)).isZero();
    }

    @Test
    void record_sameSequenceTwice_countsDuplicateOnce() {
        SequenceTracker t = new SequenceTracker();

        t.record(0);
        boolean again = t.record(0);

        assertThat(again).isFalse();
        assertThat(t.unique()).isEqualTo(1);
        assertThat(t.duplicates()).isEqualTo(1);
    }

    @Test
    void lost_missingInTheMiddleAndAtTheEnd_countsBoth() {
        SequenceTracker t = new SequenceTracker();
        t.record(0);
        t.record(2);

        assertThat(t.lost(5)).as("1, 3 and 4 never arrived").isEqualTo(3);
        assertThat(t.highest()).isEqualTo(2);
    }
}
