package io.pulsemq.broker.cluster.routes;

import io.pulsemq.broker.cluster.routes.RouteWire.Delta;
import io.pulsemq.broker.cluster.routes.RouteWire.Digest;
import io.pulsemq.broker.cluster.routes.RouteWire.Group;
import io.pulsemq.broker.cluster.routes.RouteWire.Routed;
import io.pulsemq.broker.cluster.routes.RouteWire.Snapshot;
import io.pulsemq.broker.cluster.routes.RouteWire.Sync;
import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.store.MessageCodec;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RouteWireTest {

    private static final Message FULL = new Message("a/b/\uD83D\uDE00", 2, true, new byte[] {0, 1, 2, (byte) 0xFF}, true,
            1_700_000_000_123L, "application/json", "reply/to", new byte[] {9, 8}, List.of(
            new Message.UserProperty("k", "v1"), new Message.UserProperty("k", "v2"),
            new Message.UserProperty("", "")), "publisher-1", 1_699_999_999_000L);

    @Test
    void announcements_roundTrip() {
        List<RouteWire.Announcement> all = List.of(
                new Delta("node-a", -5L, 7, true, "$share/g/a/+"),
                new Delta("node.a *>", Long.MAX_VALUE, 1, false, "#"),
                new Snapshot("a", 3, 12, 1, 3, List.of("x/#", "$share/g/y", "\uD83D\uDE00/+")),
                new Snapshot("a", 3, 0, 0, 1, List.of()),
                new Digest("a", 3, 44),
                new Sync("a", ""),
                new Sync("a", "b"));
        for (RouteWire.Announcement a : all) {
            assertThat(RouteWire.decodeAnnouncement(RouteWire.encode(a))).isEqualTo(a);
        }
    }

    @Test
    void routed_keepsPayloadAndEveryV5Property_andNamesItsOrigin() {
        byte[] frame = RouteWire.encodeRouted("node-a", List.of(new Group("g", "a/#"), new Group("h", "+/b/#")),
                MessageCodec.encodeMessage(FULL));

        Routed routed = RouteWire.decodeRouted(frame);

        assertThat(routed.origin()).isEqualTo("node-a");
        assertThat(routed.groups()).containsExactly(new Group("g", "a/#"), new Group("h", "+/b/#"));
        assertThat(routed.message().origin()).isEqualTo("node-a");
        assertIntact(routed.message(), FULL);
        assertThat(routed.message().retain()).isTrue();
        assertThat(routed.message().createdAt()).isEqualTo(FULL.createdAt());
    }

    /** {@code crossed} is {@code sent} as another node received it: topic, QoS, payload and every v5 property. */
    static void assertIntact(Message crossed, Message sent) {
        assertThat(crossed.topic()).isEqualTo(sent.topic());
        assertThat(crossed.qos()).isEqualTo(sent.qos());
        assertThat(crossed.payload()).containsExactly(sent.payload());
        assertThat(crossed.payloadUtf8()).isEqualTo(sent.payloadUtf8());
        assertThat(crossed.expiryAt()).isEqualTo(sent.expiryAt());
        assertThat(crossed.contentType()).isEqualTo(sent.contentType());
        assertThat(crossed.responseTopic()).isEqualTo(sent.responseTopic());
        assertThat(crossed.correlationData()).containsExactly(sent.correlationData());
        assertThat(crossed.userProperties()).isEqualTo(sent.userProperties());
        assertThat(crossed.publisherId()).isEqualTo(sent.publisherId());
    }

    @Test
    void acknowledgedRouted_carriesItsId_andTheAckRoundTrips() {
        byte[] frame = RouteWire.encodeRouted("node-a", 42, List.of(new Group("g", "a/#")),
                MessageCodec.encodeMessage(FULL));
        Routed r = RouteWire.decodeRouted(frame);
        assertThat(r.acknowledged()).isTrue();
        assertThat(r.id()).isEqualTo(42);
        assertThat(r.groups()).containsExactly(new Group("g", "a/#"));
        assertThat(r.message().topic()).isEqualTo(FULL.topic());
        assertThat(RouteWire.decodeRouted(RouteWire.encodeRouted("node-a", List.of(), MessageCodec.encodeMessage(FULL)))
                .acknowledged()).isFalse();

        assertThat(RouteWire.decodeAck(RouteWire.encodeAck("node-b", 42))).isEqualTo(new RouteWire.Ack("node-b", 42));
        assertThatThrownBy(() -> RouteWire.decodeAck(frame)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void batch_keepsItsMessagesInOrder_andASingleFrameReadsAsABatchOfOne() {
        Message plain = Message.of("t/1", 0, false, new byte[] {7}, "", 0);
        byte[][] frames = {
                RouteWire.encodeRouted("node-a", List.of(), MessageCodec.encodeMessage(plain)),
                RouteWire.encodeRouted("node-a", 43, List.of(new Group("g", "a/#")), MessageCodec.encodeMessage(FULL)),
                RouteWire.encodeRouted("node-a", 44, List.of(), MessageCodec.encodeMessage(plain)),
        };
        byte[] batch = RouteWire.encodeBatch(frames, 0, frames.length);
        assertThat(batch).hasSize(RouteWire.batchSize(3, frames[0].length + frames[1].length + frames[2].length));

        List<Routed> read = RouteWire.decodeRoutedFrames(batch);

        assertThat(read).extracting(Routed::id).containsExactly(0L, 43L, 44L);
        assertThat(read.get(0).message().payload()).containsExactly(7);
        assertIntact(read.get(1).message(), FULL);
        assertThat(read.get(1).groups()).containsExactly(new Group("g", "a/#"));
        assertThat(read.get(1).message().origin()).isEqualTo("node-a");
        assertThat(RouteWire.decodeRoutedFrames(frames[1])).extracting(Routed::id).containsExactly(43L);
        assertThat(RouteWire.decodeRoutedFrames(RouteWire.encodeBatch(frames, 1, 1))).extracting(Routed::id)
                .containsExactly(43L);
    }

    @Test
    void batch_truncatedWithTrailingBytesOrACorruptFrame_isRefusedWhole() {
        byte[][] frames = {
                RouteWire.encodeRouted("a", List.of(), MessageCodec.encodeMessage(FULL)),
                RouteWire.encodeRouted("a", 2, List.of(), MessageCodec.encodeMessage(FULL)),
        };
        byte[] batch = RouteWire.encodeBatch(frames, 0, 2);
        byte[] truncated = Arrays.copyOf(batch, batch.length - 1);
        byte[] trailing = Arrays.copyOf(batch, batch.length + 1);
        byte[] lengthTooLong = batch.clone();
        lengthTooLong[6] = 0x7F;
        byte[] notRouted = RouteWire.encodeBatch(new byte[][] {RouteWire.encode(new Digest("a", 1, 1))}, 0, 1);
        byte[] countTooHigh = batch.clone();
        countTooHigh[5] = 3;

        for (byte[] bad : List.of(truncated, trailing, lengthTooLong, notRouted, countTooHigh)) {
            assertThatThrownBy(() -> RouteWire.decodeRoutedFrames(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void acks_roundTrip_andASingleAckReadsAsAcksOfOne() {
        RouteWire.Acks acks = RouteWire.decodeAcks(RouteWire.encodeAcks("node-b", new long[] {3, 5, 8, 0}, 3));
        assertThat(acks.node()).isEqualTo("node-b");
        assertThat(acks.ids()).containsExactly(3, 5, 8);

        RouteWire.Acks one = RouteWire.decodeAcks(RouteWire.encodeAck("node-c", 9));
        assertThat(one.node()).isEqualTo("node-c");
        assertThat(one.ids()).containsExactly(9);

        byte[] frame = RouteWire.encodeAcks("n", new long[] {1, 2}, 2);
        assertThatThrownBy(() -> RouteWire.decodeAcks(Arrays.copyOf(frame, frame.length - 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RouteWire.decodeAcks(RouteWire.encode(new Digest("a", 1, 1))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void routed_withoutGroupsOrProperties_roundTrips() {
        Message plain = Message.of("t", 0, false, new byte[0], "", 0);
        Routed routed = RouteWire.decodeRouted(RouteWire.encodeRouted("b", List.of(), MessageCodec.encodeMessage(plain)));

        assertThat(routed.groups()).isEmpty();
        assertThat(routed.message().payload()).isEmpty();
        assertThat(routed.message().contentType()).isNull();
        assertThat(routed.message().correlationData()).isNull();
    }

    @Test
    void retained_setAndCleared_roundTrip() {
        RouteWire.Retained set = RouteWire.decodeRetained(RouteWire.encodeRetained(FULL));
        assertThat(set.topic()).isEqualTo(FULL.topic());
        assertThat(set.message().payload()).containsExactly(FULL.payload());
        assertThat(set.message().origin()).isNull();

        RouteWire.Retained cleared = RouteWire.decodeRetained(RouteWire.encodeRetainedCleared("a/b"));
        assertThat(cleared).isEqualTo(new RouteWire.Retained("a/b", null));
    }

    @Test
    void anotherVersion_unknownKind_truncatedOrTrailingBytes_areRefused() {
        byte[] delta = RouteWire.encode(new Delta("a", 1, 1, true, "t"));
        byte[] otherVersion = delta.clone();
        otherVersion[0] = 2;
        byte[] unknownKind = delta.clone();
        unknownKind[1] = 99;
        byte[] truncated = Arrays.copyOf(delta, delta.length - 1);
        byte[] trailing = Arrays.copyOf(delta, delta.length + 1);
        byte[] hugeString = new byte[] {1, 4, 0x7F, 0, 0, 0, 'a'};

        for (byte[] bad : List.of(otherVersion, unknownKind, truncated, trailing, hugeString, new byte[] {1},
                "x".getBytes(StandardCharsets.UTF_8))) {
            assertThatThrownBy(() -> RouteWire.decodeAnnouncement(bad)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> RouteWire.decodeRouted(delta)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RouteWire.decodeRetained(delta)).isInstanceOf(IllegalArgumentException.class);
        byte[] badPart = RouteWire.encode(new Snapshot("a", 1, 1, 0, 1, List.of()));
        badPart[2 + 4 + 1 + 16 + 3] = 5; // part 5 of 1
        assertThatThrownBy(() -> RouteWire.decodeAnnouncement(badPart)).isInstanceOf(IllegalArgumentException.class);
    }
}
