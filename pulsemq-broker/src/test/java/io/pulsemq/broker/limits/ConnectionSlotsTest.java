package io.pulsemq.broker.limits;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionSlotsTest {

    @Test
    void withGrace_isATenthMore_atLeastEight_noLimitStaysNone() {
        assertThat(ConnectionSlots.withGrace(0)).isZero();
        assertThat(ConnectionSlots.withGrace(1)).isEqualTo(9);
        assertThat(ConnectionSlots.withGrace(100)).isEqualTo(110);
        assertThat(ConnectionSlots.withGrace(100_000)).isEqualTo(110_000);
        assertThat(ConnectionSlots.withGrace(Integer.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void accept_withinTheLimit_admits_thenOver_thenShedBeyondTheGrace() {
        ConnectionSlots<String> slots = new ConnectionSlots<>(2, 0);
        List<ConnectionSlots<String>.Slot> taken = accept(slots, "a", ConnectionSlots.withGrace(2));

        assertThat(taken).extracting(ConnectionSlots.Slot::outcome).containsExactly(
                Slots.Outcome.ADMITTED, Slots.Outcome.ADMITTED, Slots.Outcome.OVER_TOTAL, Slots.Outcome.OVER_TOTAL,
                Slots.Outcome.OVER_TOTAL, Slots.Outcome.OVER_TOTAL, Slots.Outcome.OVER_TOTAL, Slots.Outcome.OVER_TOTAL,
                Slots.Outcome.OVER_TOTAL, Slots.Outcome.OVER_TOTAL);
        assertThat(taken).noneMatch(ConnectionSlots.Slot::shed);
        assertThat(slots.admitted()).isEqualTo(2);
        assertThat(slots.open()).isEqualTo(10);

        ConnectionSlots<String>.Slot shed = slots.accept("a");
        assertThat(shed.shed()).isTrue();
        assertThat(shed.outcome()).isEqualTo(Slots.Outcome.OVER_TOTAL);
        assertThat(slots.open()).isEqualTo(10); // a shed socket holds nothing
        shed.release();
        assertThat(slots.open()).isEqualTo(10);
    }

    @Test
    void release_givesBackOnce_andAnOverSocketClosingAdmitsNoOne() {
        ConnectionSlots<String> slots = new ConnectionSlots<>(1, 0);
        ConnectionSlots<String>.Slot first = slots.accept("a");
        ConnectionSlots<String>.Slot over = slots.accept("b");

        over.release();
        over.release();
        assertThat(slots.admitted()).isEqualTo(1);
        assertThat(slots.open()).isEqualTo(1);
        assertThat(slots.accept("c").outcome()).isEqualTo(Slots.Outcome.OVER_TOTAL);

        first.release();
        first.release();
        assertThat(slots.admitted()).isZero();
        assertThat(slots.accept("d").outcome()).isEqualTo(Slots.Outcome.ADMITTED);
    }

    @Test
    void perKey_overTheKeysLimit_otherKeysAdmitted_shedBeyondTheKeysGrace() {
        ConnectionSlots<String> slots = new ConnectionSlots<>(0, 1);
        List<ConnectionSlots<String>.Slot> taken = accept(slots, "a", ConnectionSlots.withGrace(1));

        assertThat(taken.get(0).outcome()).isEqualTo(Slots.Outcome.ADMITTED);
        assertThat(taken.subList(1, taken.size())).allMatch(s -> s.outcome() == Slots.Outcome.OVER_KEY && !s.shed());
        assertThat(slots.accept("a").shed()).isTrue();
        assertThat(slots.accept("b").outcome()).isEqualTo(Slots.Outcome.ADMITTED);
        assertThat(slots.admitted("a")).isEqualTo(1);
    }

    @Test
    void identify_aSlotTakenBeforeItsKeyWasKnown_countsItForTheKeyFromThenOn() {
        ConnectionSlots<String> slots = new ConnectionSlots<>(10, 1);
        ConnectionSlots<String>.Slot first = slots.accept(null);
        ConnectionSlots<String>.Slot second = slots.accept(null);
        assertThat(second.outcome()).isEqualTo(Slots.Outcome.ADMITTED); // one proxy address, no key yet

        first.identify("a");
        second.identify("a");
        assertThat(first.outcome()).isEqualTo(Slots.Outcome.ADMITTED);
        assertThat(second.outcome()).isEqualTo(Slots.Outcome.OVER_KEY);
        assertThat(slots.admitted()).isEqualTo(1);
        assertThat(slots.admitted("a")).isEqualTo(1);

        ConnectionSlots<String>.Slot other = slots.accept(null);
        other.identify("b");
        assertThat(other.outcome()).isEqualTo(Slots.Outcome.ADMITTED);

        first.release();
        second.release();
        other.release();
        assertThat(slots.admitted()).isZero();
        assertThat(slots.open()).isZero();
        assertThat(slots.admitted("a")).isZero();
    }

    @Test
    void identify_beyondTheKeysGrace_shedsTheSlotAndGivesEverythingBack() {
        ConnectionSlots<String> slots = new ConnectionSlots<>(0, 1);
        for (int i = 0; i < ConnectionSlots.withGrace(1); i++) {
            slots.accept("a");
        }
        ConnectionSlots<String>.Slot late = slots.accept(null);
        int open = slots.open();

        late.identify("a");

        assertThat(late.shed()).isTrue();
        assertThat(late.outcome()).isEqualTo(Slots.Outcome.OVER_KEY);
        assertThat(slots.open()).isEqualTo(open - 1);
    }

    private static List<ConnectionSlots<String>.Slot> accept(ConnectionSlots<String> slots, String key, int n) {
        List<ConnectionSlots<String>.Slot> taken = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            taken.add(slots.accept(key));
        }
        return taken;
    }
}
