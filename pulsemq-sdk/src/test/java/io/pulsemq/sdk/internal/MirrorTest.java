package io.pulsemq.sdk.internal;

import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MirrorTest {

    private final Mirror mirror = new Mirror();

    private static StatusEvent event(long offset, String id, EventType type, long version, DisconnectReason reason) {
        return new StatusEvent(offset, id, "G", type, "ch" + ((version + 2) / 3), "1.2.3.4:5", 1000 + offset, version,
                reason, "node-1", null, null);
    }

    private static ClientStatus listed(String id, boolean online, long version) {
        return new ClientStatus(id, "G", online, version, online ? "connect" : "tcpclean", "ch", "ip", "node-1",
                1, online ? 0 : 2, online ? null : "connection_lost", 5, 60, true, "user");
    }

    @Test
    void firstList_reportsEveryOnlineClient() {
        List<Mirror.Transition> t = mirror.replace(10, List.of(listed("G@@@a", true, 1), listed("G@@@b", false, 2)));

        assertThat(t).extracting(x -> x.status().clientId()).containsExactly("G@@@a");
        assertThat(mirror.online()).containsExactly("G@@@a");
        assertThat(mirror.revision()).isEqualTo(10);
    }

    @Test
    void event_notNewerThanHeld_isIgnored_butAdvancesTheRevision() {
        mirror.replace(10, List.of(listed("G@@@a", true, 4)));

        assertThat(mirror.apply(event(8, "G@@@a", EventType.TCPCLEAN, 3, DisconnectReason.CONNECTION_LOST))).isNull();
        assertThat(mirror.apply(event(11, "G@@@a", EventType.TCPCLEAN, 4, DisconnectReason.CONNECTION_LOST))).isNull();

        assertThat(mirror.isOnline("G@@@a")).isTrue();
        assertThat(mirror.revision()).isEqualTo(11);
    }

    @Test
    void cleanDisconnect_isOneOfflineTransition_notTwo() {
        mirror.replace(0, List.of());

        Mirror.Transition on = mirror.apply(event(1, "G@@@a", EventType.CONNECT, 1, null));
        Mirror.Transition off = mirror.apply(event(2, "G@@@a", EventType.DISCONNECT, 2, DisconnectReason.CLIENT_DISCONNECT));
        Mirror.Transition clean = mirror.apply(event(3, "G@@@a", EventType.TCPCLEAN, 3, DisconnectReason.CLIENT_DISCONNECT));

        assertThat(on.online()).isTrue();
        assertThat(off.online()).isFalse();
        assertThat(off.reason()).isEqualTo(DisconnectReason.CLIENT_DISCONNECT);
        assertThat(clean).isNull();
        assertThat(mirror.get("G@@@a").version()).isEqualTo(3);
    }

    @Test
    void takeover_isOfflineWithItsReason_thenOnline() {
        mirror.replace(0, List.of());
        mirror.apply(event(1, "G@@@a", EventType.CONNECT, 1, null));

        Mirror.Transition off = mirror.apply(event(2, "G@@@a", EventType.TCPCLEAN, 2, DisconnectReason.SESSION_TAKEN_OVER));
        Mirror.Transition on = mirror.apply(event(3, "G@@@a", EventType.CONNECT, 3, null));

        assertThat(off.reason()).isEqualTo(DisconnectReason.SESSION_TAKEN_OVER);
        assertThat(on.online()).isTrue();
    }

    @Test
    void relist_reportsOnlyTheDifferences_andDropsClientsNoLongerListed() {
        mirror.replace(5, List.of(listed("G@@@a", true, 1), listed("G@@@b", true, 1), listed("G@@@c", false, 3)));

        List<Mirror.Transition> t = mirror.replace(20, List.of(listed("G@@@a", true, 1), listed("G@@@b", false, 3)));

        assertThat(t).hasSize(1);
        assertThat(t.get(0).status().clientId()).isEqualTo("G@@@b");
        assertThat(t.get(0).reason()).isEqualTo(DisconnectReason.CONNECTION_LOST);
        assertThat(mirror.get("G@@@c")).isNull();
        assertThat(mirror.online()).containsExactly("G@@@a");
    }

    @Test
    void sameConnection_keepsTheListedConnectionDetails() {
        mirror.replace(0, List.of(listed("G@@@a", true, 1)));

        mirror.apply(new StatusEvent(1, "G@@@a", "G", EventType.TCPCLEAN, "ch", "ip", 3000, 2,
                DisconnectReason.KEEPALIVE_TIMEOUT, "node-1", null, null));

        ClientStatus s = mirror.get("G@@@a");
        assertThat(s.protocolVersion()).isEqualTo(5);
        assertThat(s.disconnectedAt()).isEqualTo(3000);
        assertThat(s.lastReason()).isEqualTo("keepalive_timeout");
    }
}
