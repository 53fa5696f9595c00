package io.pulsemq.bench.pubsub;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DeliveryWindowTest {

    @Test
    void canSend_windowFull_untilEverySubscriberReceived() {
        DeliveryWindow w = new DeliveryWindow(2, 2);
        w.sent();
        w.sent();

        assertThat(w.canSend()).isFalse();
        w.received(0, 0);
        assertThat(w.canSend()).as("the other subscriber has not received message 0 yet").isFalse();
        w.received(1, 0);
        assertThat(w.canSend()).isTrue();
        assertThat(w.outstanding()).isEqualTo(1);
    }

    @Test
    void received_laterMessageArrives_earlierLostOneNoLongerHoldsASlot() {
        DeliveryWindow w = new DeliveryWindow(3, 1);
        for (int i = 0; i < 3; i++) {
            w.sent();
        }

        w.received(0, 2); // 0 and 1 were dropped by the broker (QoS 0)

        assertThat(w.outstanding()).isZero();
        assertThat(w.canSend()).isTrue();
    }

    @Test
    void received_olderSequenceAfterNewer_doesNotMoveTheWindowBack() {
        DeliveryWindow w = new DeliveryWindow(10, 1);
        for (int i = 0; i < 5; i++) {
            w.sent();
        }

        w.received(0, 3);
        w.received(0, 1);

        assertThat(w.outstanding()).isEqualTo(1);
    }

    @Test
    void forgetOutstanding_stalledWindow_freesEverySlot() {
        DeliveryWindow w = new DeliveryWindow(2, 3);
        w.sent();
        w.sent();

        w.forgetOutstanding();

        assertThat(w.outstanding()).isZero();
        assertThat(w.sentCount()).isEqualTo(2);
    }
}
