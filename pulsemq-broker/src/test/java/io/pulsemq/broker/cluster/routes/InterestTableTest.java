package io.pulsemq.broker.cluster.routes;

import io.pulsemq.broker.cluster.routes.InterestTable.Need;
import io.pulsemq.broker.cluster.routes.RouteWire.Delta;
import io.pulsemq.broker.cluster.routes.RouteWire.Digest;
import io.pulsemq.broker.cluster.routes.RouteWire.Group;
import io.pulsemq.broker.cluster.routes.RouteWire.Snapshot;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The route table: matching as the broker matches, and keeping up with each node's announcements. */
class InterestTableTest {

    private final InterestTable table = new InterestTable("a");
    private final List<RouteWire.Announcement> ownAnnouncements = new ArrayList<>();
    private final LocalInterest self = new LocalInterest("a", 1, table, ownAnnouncements::add);

    /** Node {@code node} (epoch 1) has exactly {@code keys}, as of sequence 1. */
    private void known(String node, String... keys) {
        assertThat(table.apply(new Snapshot(node, 1, 1, 0, 1, List.of(keys)))).isEqualTo(Need.NOTHING);
    }

    private List<String> targets(String topic) {
        return new ArrayList<>(table.route(topic).targets().keySet());
    }

    @Test
    void route_matchesWildcardsAsTheBrokerDoes_andOverlappingFiltersMakeOneTarget() {
        known("b", "s/+/t", "s/#", "#");
        known("c", "x/+");
        known("d", "$SYS/#");
        known("e", "+/y");

        assertThat(targets("s/1/t")).containsExactly("b");
        assertThat(targets("s")).containsExactly("b"); // "s/#" matches its parent
        assertThat(targets("x/1")).containsExactlyInAnyOrder("b", "c");
        assertThat(targets("x/1/2")).containsExactly("b");
        assertThat(targets("q/y")).containsExactlyInAnyOrder("b", "e");
        // [MQTT-4.7.2-1] a wildcard first level does not match a '$' topic
        assertThat(targets("$SYS/load")).containsExactly("d");
        assertThat(targets("$x/y")).isEmpty();
    }

    @Test
    void route_neverTargetsThisNode_andNothingMatched_isEmpty() {
        self.add("t/#");

        assertThat(table.route("t/1").isEmpty()).isTrue();
        assertThat(table.route("t/1").picks().here("g", "t/#")).isTrue();
        assertThat(table.route("other").isEmpty()).isTrue();
    }

    @Test
    void sharedGroup_isPickedRoundRobinAmongNodesWithMembers_thisNodeIncluded() {
        self.add("$share/g/t/#");
        known("b", "$share/g/t/#", "t/plain");
        known("c", "$share/other/t/#");

        int here = 0;
        int atB = 0;
        for (int i = 0; i < 10; i++) {
            InterestTable.Plan plan = table.route("t/plain");
            Map<String, List<Group>> to = plan.targets();
            assertThat(to).containsKey("b"); // plain interest: every time
            assertThat(to).containsEntry("c", List.of(new Group("other", "t/#"))); // the only member node
            boolean pickedB = to.get("b").contains(new Group("g", "t/#"));
            assertThat(plan.picks().here("g", "t/#")).isNotEqualTo(pickedB);
            assertThat(plan.picks().here("other", "t/#")).isFalse();
            if (pickedB) {
                atB++;
            } else {
                here++;
            }
        }
        assertThat(here).isEqualTo(5);
        assertThat(atB).isEqualTo(5);
    }

    @Test
    void p2pTopic_goesToEveryKnownNode() {
        known("b");
        known("c", "x");

        assertThat(targets("parent/p2p/client-1")).containsExactlyInAnyOrder("b", "c");
    }

    @Test
    void deltas_fromTheStartOfAnEpoch_areKnownWithoutASnapshot() {
        assertThat(table.apply(new Delta("b", 7, 1, true, "t/#"))).isEqualTo(Need.NOTHING);
        assertThat(table.apply(new Delta("b", 7, 2, true, "u"))).isEqualTo(Need.NOTHING);
        assertThat(table.apply(new Delta("b", 7, 3, false, "t/#"))).isEqualTo(Need.NOTHING);

        assertThat(table.synced("b")).isTrue();
        assertThat(table.keysOf("b")).containsExactly("u");
        assertThat(targets("u")).containsExactly("b");
        assertThat(targets("t/1")).isEmpty();
    }

    @Test
    void gap_asksForASnapshotOnce_thenAgainAtEachDigest_untilASnapshotCloses_it() {
        table.apply(new Delta("b", 7, 1, true, "t/#"));

        assertThat(table.apply(new Delta("b", 7, 3, true, "v"))).isEqualTo(Need.SNAPSHOT); // 2 was lost
        assertThat(table.apply(new Delta("b", 7, 4, true, "w"))).isEqualTo(Need.NOTHING); // asked already
        assertThat(table.synced("b")).isFalse();
        assertThat(targets("v")).containsExactly("b"); // applied meanwhile, as the best guess
        assertThat(table.apply(new Digest("b", 7, 4))).isEqualTo(Need.SNAPSHOT);

        assertThat(table.apply(new Snapshot("b", 7, 4, 0, 1, List.of("u", "v", "w")))).isEqualTo(Need.NOTHING);
        assertThat(table.synced("b")).isTrue();
        assertThat(table.keysOf("b")).containsExactly("u", "v", "w"); // t/# was removed in the lost delta 2
        assertThat(table.apply(new Delta("b", 7, 5, false, "u"))).isEqualTo(Need.NOTHING);
        assertThat(table.keysOf("b")).containsExactly("v", "w");
    }

    @Test
    void oldAndRepeatedAnnouncements_changeNothing() {
        table.apply(new Snapshot("b", 7, 5, 0, 1, List.of("t")));

        assertThat(table.apply(new Delta("b", 7, 5, false, "t"))).isEqualTo(Need.NOTHING);
        assertThat(table.apply(new Snapshot("b", 7, 4, 0, 1, List.of()))).isEqualTo(Need.NOTHING);
        assertThat(table.apply(new Digest("b", 7, 5))).isEqualTo(Need.NOTHING);
        assertThat(table.keysOf("b")).containsExactly("t");
    }

    @Test
    void digestAhead_revealsALostLastDelta() {
        table.apply(new Delta("b", 7, 1, true, "t"));

        assertThat(table.apply(new Digest("b", 7, 2))).isEqualTo(Need.SNAPSHOT);
        assertThat(table.synced("b")).isFalse();
    }

    @Test
    void unknownNode_heardByItsDigest_isAskedForASnapshot_unlessItHasAnnouncedNothing() {
        assertThat(table.apply(new Digest("b", 7, 3))).isEqualTo(Need.SNAPSHOT);
        assertThat(table.apply(new Digest("c", 8, 0))).isEqualTo(Need.NOTHING);
        assertThat(table.synced("c")).isTrue();
        assertThat(table.nodes()).containsExactly("b", "c");
    }

    @Test
    void snapshotInParts_appliesWhenEveryPartHasArrived() {
        table.apply(new Snapshot("b", 7, 9, 1, 3, List.of("y")));
        table.apply(new Snapshot("b", 7, 9, 0, 3, List.of("x")));
        assertThat(table.keysOf("b")).isEmpty();
        assertThat(table.synced("b")).isFalse();

        table.apply(new Snapshot("b", 7, 9, 2, 3, List.of("z")));

        assertThat(table.keysOf("b")).containsExactly("x", "y", "z");
        assertThat(table.synced("b")).isTrue();
    }

    @Test
    void newEpoch_dropsWhatTheNodeHadBefore() {
        known("b", "t/#");

        assertThat(table.apply(new Delta("b", 2, 1, true, "u"))).isEqualTo(Need.NOTHING);

        assertThat(table.keysOf("b")).containsExactly("u");
        assertThat(targets("t/1")).isEmpty();
    }

    @Test
    void forget_dropsTheNodesInterest_untilItAnnouncesAgain() {
        known("b", "t/#", "$share/g/t/#");

        table.forget("b");

        assertThat(table.route("t/1").isEmpty()).isTrue();
        assertThat(table.nodes()).isEmpty();
        assertThat(table.apply(new Digest("b", 1, 1))).isEqualTo(Need.SNAPSHOT);
    }

    @Test
    void invalidKey_isIgnored() {
        known("b", "a/#/b", "$share/g", "ok");

        assertThat(targets("ok")).containsExactly("b");
        assertThat(targets("a/x/b")).isEmpty();
    }
}
