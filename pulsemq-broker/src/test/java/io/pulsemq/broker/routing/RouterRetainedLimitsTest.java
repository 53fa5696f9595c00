package io.pulsemq.broker.routing;

import io.pulsemq.broker.limits.Limit;
import io.pulsemq.broker.limits.LimitHits;
import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.retained.InMemoryRetainedStore;
import io.pulsemq.broker.retained.RetainedLimits;
import io.pulsemq.broker.subscription.SubscriptionTrie;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code mqtt.maxRetainedMessages} and {@code mqtt.maxRetainedBytes} as the router applies them. */
class RouterRetainedLimitsTest {

    private final InMemoryRetainedStore retained = new InMemoryRetainedStore();
    private final LimitHits hits = new LimitHits();
    private final List<Message> routed = new ArrayList<>();

    private Router router(int maxMessages, long maxBytes) {
        Router router = new Router(new SubscriptionTrie(), retained, id -> null, Clock.systemUTC(),
                new RetainedLimits(maxMessages, maxBytes), hits);
        router.addPublishListener(routed::add);
        return router;
    }

    private static Message retainedMessage(String topic, int payloadBytes) {
        return Message.of(topic, 1, true, new byte[payloadBytes], "publisher", 0);
    }

    @Test
    void newTopicBeyondCount_isNotRetained_butDelivered_whenThePublisherCannotBeTold() {
        Router router = router(2, 0);
        assertThat(router.publish(retainedMessage("a", 1))).isTrue();
        assertThat(router.publish(retainedMessage("b", 1))).isTrue();

        assertThat(router.publish(retainedMessage("c", 1), Router.WhenNotRetained.DELIVER)).isFalse();

        assertThat(retained.size()).isEqualTo(2);
        assertThat(retained.get("c")).isNull();
        assertThat(routed).extracting(Message::topic).containsExactly("a", "b", "c");
        assertThat(hits.count(Limit.MQTT_MAX_RETAINED_MESSAGES)).isEqualTo(1);
    }

    @Test
    void newTopicBeyondCount_withDrop_isNeitherRetainedNorRouted() {
        Router router = router(1, 0);
        router.publish(retainedMessage("a", 1));

        assertThat(router.publish(retainedMessage("b", 1), Router.WhenNotRetained.DROP)).isFalse();

        assertThat(routed).extracting(Message::topic).containsExactly("a");
    }

    @Test
    void atTheLimits_replacingWithoutGrowing_andClearing_arealwaysAllowed() {
        Router router = router(1, 10);
        router.publish(retainedMessage("a", 10));

        assertThat(router.publish(retainedMessage("a", 10), Router.WhenNotRetained.DROP)).isTrue();
        assertThat(router.publish(retainedMessage("a", 4), Router.WhenNotRetained.DROP)).isTrue();
        assertThat(retained.bytes()).isEqualTo(4);
        assertThat(router.publish(retainedMessage("a", 0), Router.WhenNotRetained.DROP)).isTrue(); // clears it
        assertThat(retained.size()).isZero();
        assertThat(router.publish(retainedMessage("b", 10), Router.WhenNotRetained.DROP)).isTrue(); // room again
    }

    @Test
    void bytes_aMessageThatDoesNotFit_isRefused_countedAsBytes() {
        Router router = router(0, 10);
        router.publish(retainedMessage("a", 6));

        assertThat(router.publish(retainedMessage("b", 5), Router.WhenNotRetained.DROP)).isFalse();
        assertThat(router.publish(retainedMessage("a", 11), Router.WhenNotRetained.DROP)).isFalse(); // grows past
        assertThat(router.publish(retainedMessage("b", 4), Router.WhenNotRetained.DROP)).isTrue();   // fits exactly

        assertThat(retained.bytes()).isEqualTo(10);
        assertThat(hits.count(Limit.MQTT_MAX_RETAINED_BYTES)).isEqualTo(2);
    }

    @Test
    void notRetainedMessages_areNeverRefused() {
        Router router = router(1, 1);
        router.publish(retainedMessage("a", 1));

        assertThat(router.publish(Message.of("b", 1, false, new byte[100], "p", 0), Router.WhenNotRetained.DROP)).isTrue();
        assertThat(routed).hasSize(2);
    }
}
