package io.pulsemq.broker.cluster.routes;

import io.pulsemq.broker.cluster.routes.RouteWire.Announcement;
import io.pulsemq.broker.cluster.routes.RouteWire.Delta;
import io.pulsemq.broker.cluster.routes.RouteWire.Digest;
import io.pulsemq.broker.cluster.routes.RouteWire.Snapshot;
import io.pulsemq.broker.subscription.Subscription;
import io.pulsemq.broker.subscription.SubscriptionTrie;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** What a node announces of its subscriptions, and what another node's table makes of it. */
class LocalInterestTest {

    private final List<Announcement> sent = new ArrayList<>();
    private final InterestTable ownTable = new InterestTable("a");
    private final LocalInterest interest = new LocalInterest("a", 42, ownTable, sent::add, 20);
    private final SubscriptionTrie trie = new SubscriptionTrie(interest);

    private static Subscription sub(String clientId, String filter, String share) {
        return new Subscription(clientId, filter, share, 1, false, false, 0, 0);
    }

    @Test
    void firstHolderAndLastHolder_ofAFilter_areAnnounced_withConsecutiveSequenceNumbers() {
        trie.subscribe(sub("c1", "t/#", null));
        trie.subscribe(sub("c2", "t/#", null));
        trie.subscribe(sub("c1", "t/#", null)); // a replacement
        trie.subscribe(sub("c1", "t/#", "g"));
        trie.unsubscribe("c1", "t/#");
        trie.unsubscribe("c2", "t/#");
        interest.add("parent/#"); // a server SDK topic queue

        assertThat(sent).containsExactly(
                new Delta("a", 42, 1, true, "t/#"),
                new Delta("a", 42, 2, true, "$share/g/t/#"),
                new Delta("a", 42, 3, false, "t/#"),
                new Delta("a", 42, 4, true, "parent/#"));
        assertThat(interest.keys()).containsExactly("$share/g/t/#", "parent/#");
    }

    @Test
    void ownChanges_enterTheOwnTable_asThisNodesEntries() {
        trie.subscribe(sub("c1", "t/#", "g"));
        InterestTable.Plan plan = ownTable.route("t/1");

        assertThat(plan.isEmpty()).isTrue(); // the only member node is this one
        assertThat(plan.picks().here("g", "t/#")).isTrue();
    }

    @Test
    void snapshot_inPartsOfBoundedSize_isPutTogetherByAnotherNode_withTheDigest() {
        for (int i = 0; i < 10; i++) {
            interest.add("topic/" + i);
        }
        sent.clear();

        interest.announceSnapshot();
        interest.announceDigest();

        List<Snapshot> parts = sent.stream().filter(Snapshot.class::isInstance).map(Snapshot.class::cast).toList();
        assertThat(parts.size()).isGreaterThan(1);
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < parts.size(); i++) {
            assertThat(parts.get(i).part()).isEqualTo(i);
            assertThat(parts.get(i).parts()).isEqualTo(parts.size());
            assertThat(parts.get(i).seq()).isEqualTo(10);
            keys.addAll(parts.get(i).keys());
        }
        assertThat(keys).hasSize(10);
        assertThat(sent.get(sent.size() - 1)).isEqualTo(new Digest("a", 42, 10));

        InterestTable other = new InterestTable("b");
        sent.forEach(other::apply);
        assertThat(other.synced("a")).isTrue();
        assertThat(other.keysOf("a")).isEqualTo(interest.keys());
    }

    @Test
    void emptySnapshot_isOnePartWithNoKeys() {
        interest.announceSnapshot();

        assertThat(sent).containsExactly(new Snapshot("a", 42, 0, 0, 1, List.of()));
    }
}
