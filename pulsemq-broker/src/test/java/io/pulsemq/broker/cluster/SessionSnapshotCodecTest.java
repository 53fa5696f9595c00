package io.pulsemq.broker.cluster;

import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.session.SessionSnapshot;
import io.pulsemq.broker.session.SessionStore;
import io.pulsemq.broker.subscription.Subscription;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A persistent session crosses between nodes whole ({@link NodeControl#encode}, {@link NodeControl#decode}). */
class SessionSnapshotCodecTest {

    @Test
    void everyPartOfASession_survivesTheTrip() throws IOException {
        Message m = new Message("car/1/cmd", 2, false, "open".getBytes(StandardCharsets.UTF_8), true, 1_900_000_000_000L,
                "text/plain", "car/1/reply", new byte[]{1, 2, 3}, List.of(new Message.UserProperty("k", "v")),
                "GID_app@@@backend", 1_800_000_000_000L);
        SessionSnapshot s = new SessionSnapshot(new SessionStore.SessionMeta("GID_car@@@1", 5, 3600, 1_800_000_000_500L),
                List.of(new Subscription("GID_car@@@1", "car/1/#", null, 1, true, true, 1, 7),
                        new Subscription("GID_car@@@1", "fleet/+", "g", 2, false, false, 0, 0)),
                List.of(new SessionStore.OutboundMessage(4, 17, SessionStore.OutboundState.SENT, m, List.of(7)),
                        new SessionStore.OutboundMessage(5, 0, SessionStore.OutboundState.QUEUED, m.withQosAndRetain(1,
                                false), List.of())),
                List.of(3, 9));

        SessionSnapshot back = NodeControl.decode(NodeControl.encode(s));

        assertThat(back.meta()).isEqualTo(s.meta());
        assertThat(back.subscriptions()).isEqualTo(s.subscriptions());
        assertThat(back.inboundQos2()).containsExactly(3, 9);
        assertThat(back.outbound()).hasSize(2);
        for (int i = 0; i < 2; i++) {
            SessionStore.OutboundMessage a = s.outbound().get(i);
            SessionStore.OutboundMessage b = back.outbound().get(i);
            assertThat(b.seq()).isEqualTo(a.seq());
            assertThat(b.packetId()).isEqualTo(a.packetId());
            assertThat(b.state()).isEqualTo(a.state());
            assertThat(b.subscriptionIds()).isEqualTo(a.subscriptionIds());
            assertThat(b.message().payload()).isEqualTo(a.message().payload());
            assertThat(b.message().correlationData()).isEqualTo(a.message().correlationData());
            assertThat(b.message().userProperties()).isEqualTo(a.message().userProperties());
            assertThat(b.message().qos()).isEqualTo(a.message().qos());
            assertThat(b.message().expiryAt()).isEqualTo(a.message().expiryAt());
            assertThat(b.message().responseTopic()).isEqualTo(a.message().responseTopic());
        }
    }

    @Test
    void aTruncatedOrForeignRecord_isRefused() {
        SessionSnapshot s = new SessionSnapshot(new SessionStore.SessionMeta("c", 4, 60, 0), List.of(), List.of(),
                List.of());
        byte[] bytes = NodeControl.encode(s);
        assertThatThrownBy(() -> NodeControl.decode(Arrays.copyOf(bytes, bytes.length - 3))).isInstanceOf(IOException.class);
        bytes[0] = 9;
        assertThatThrownBy(() -> NodeControl.decode(bytes)).isInstanceOf(IOException.class)
                .hasMessageContaining("version 9");
    }
}
