package io.pulsemq.broker.subscription;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SubscriptionTrieTest {

    private final SubscriptionTrie trie = new SubscriptionTrie();

    @Test
    void subscribe_new_returnsNullAndCounts() {
        assertThat(trie.subscribe(plain("c1", "a/b", 1))).isNull();
        assertThat(trie.subscribe(plain("c2", "a/b", 1))).isNull();
        assertThat(trie.subscribe(plain("c1", "a/+", 1))).isNull();

        assertThat(trie.size()).isEqualTo(3);
    }

    @Test
    void subscribe_sameClientAndFilter_replacesAndReturnsOld() {
        Subscription first = plain("c1", "a/b", 0);
        Subscription second = plain("c1", "a/b", 2);
        trie.subscribe(first);

        assertThat(trie.subscribe(second)).isEqualTo(first);
        assertThat(trie.size()).isEqualTo(1);
        assertThat(collect("a/b").plain).containsExactly(second);
    }

    @Test
    void match_overlappingFiltersOfOneClient_passesOncePerFilter() {
        Subscription exact = plain("c1", "a/b", 0);
        Subscription single = plain("c1", "a/+", 1);
        Subscription multi = plain("c1", "#", 2);
        trie.subscribe(exact);
        trie.subscribe(single);
        trie.subscribe(multi);
        trie.subscribe(plain("c2", "a/c", 0));

        assertThat(collect("a/b").plain).containsExactlyInAnyOrder(exact, single, multi);
    }

    @Test
    void match_multiLevelWildcard_matchesParentLevel() {
        Subscription parent = plain("c1", "a/#", 0);
        trie.subscribe(parent);

        assertThat(collect("a").plain).containsExactly(parent);
        assertThat(collect("a/").plain).containsExactly(parent);
        assertThat(collect("a/b/c").plain).containsExactly(parent);
        assertThat(collect("b").plain).isEmpty();
    }

    @Test
    void match_singleLevelWildcard_matchesEmptyLevelButNotMissingOne() {
        Subscription subscription = plain("c1", "a/+", 0);
        trie.subscribe(subscription);

        assertThat(collect("a/").plain).containsExactly(subscription);
        assertThat(collect("a").plain).isEmpty();
        assertThat(collect("a/b/c").plain).isEmpty();
    }

    @Test
    void match_dollarTopic_notMatchedByLeadingWildcards() {
        Subscription all = plain("c1", "#", 0);
        Subscription anyFirst = plain("c2", "+/monitor/Clients", 0);
        Subscription sys = plain("c3", "$SYS/#", 0);
        Subscription sysMonitor = plain("c4", "$SYS/monitor/+", 0);
        List.of(all, anyFirst, sys, sysMonitor).forEach(trie::subscribe);

        assertThat(collect("$SYS/monitor/Clients").plain).containsExactlyInAnyOrder(sys, sysMonitor);
        assertThat(collect("$SYS").plain).containsExactly(sys);
        assertThat(collect("x/monitor/Clients").plain).containsExactlyInAnyOrder(all, anyFirst);
    }

    @Test
    void match_emptyTopic_matchesNothing() {
        trie.subscribe(plain("c1", "#", 0));

        assertThat(collect("").plain).isEmpty();
    }

    @Test
    void match_sharedGroup_passedOnceWithAllMembers() {
        Subscription m1 = shared("c1", "workers", "jobs/+", 1);
        Subscription m2 = shared("c2", "workers", "jobs/+", 1);
        trie.subscribe(m1);
        trie.subscribe(m2);

        Matches matches = collect("jobs/42");

        assertThat(matches.plain).isEmpty();
        assertThat(matches.shared).containsExactly(new Group("workers", "jobs/+", List.of(m1, m2)));
    }

    @Test
    void match_sharedGroups_distinctByShareNameAndFilter() {
        Subscription a = shared("c1", "g1", "jobs/+", 0);
        Subscription b = shared("c1", "g2", "jobs/+", 0);
        Subscription c = shared("c1", "g1", "jobs/#", 0);
        Subscription plain = plain("c1", "jobs/+", 0);
        List.of(a, b, c, plain).forEach(trie::subscribe);

        Matches matches = collect("jobs/1");

        assertThat(trie.size()).isEqualTo(4);
        assertThat(matches.plain).containsExactly(plain);
        assertThat(matches.shared).containsExactlyInAnyOrder(
                new Group("g1", "jobs/+", List.of(a)),
                new Group("g2", "jobs/+", List.of(b)),
                new Group("g1", "jobs/#", List.of(c)));
    }

    @Test
    void match_sharedGroup_isImmutableSnapshot() {
        trie.subscribe(shared("c1", "g", "t", 0));
        List<Subscription> snapshot = collect("t").shared.get(0).members();

        trie.subscribe(shared("c2", "g", "t", 0));
        trie.unsubscribe("c1", "$share/g/t");

        assertThat(snapshot).extracting(Subscription::clientId).containsExactly("c1");
        assertThatThrownBy(() -> snapshot.add(shared("c3", "g", "t", 0)))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(collect("t").shared.get(0).members()).extracting(Subscription::clientId).containsExactly("c2");
    }

    @Test
    void subscribe_sharedMemberAgain_replacesInPlace() {
        Subscription first = shared("c1", "g", "t", 0);
        Subscription other = shared("c2", "g", "t", 0);
        Subscription replacement = shared("c1", "g", "t", 2);
        trie.subscribe(first);
        trie.subscribe(other);

        assertThat(trie.subscribe(replacement)).isEqualTo(first);
        assertThat(trie.size()).isEqualTo(2);
        assertThat(collect("t").shared).containsExactly(new Group("g", "t", List.of(replacement, other)));
    }

    @Test
    void unsubscribe_existing_returnsItAndStopsMatching() {
        Subscription plain = plain("c1", "a/+", 0);
        Subscription shared = shared("c1", "g", "a/+", 0);
        trie.subscribe(plain);
        trie.subscribe(shared);

        assertThat(trie.unsubscribe("c1", "a/+")).isEqualTo(plain);
        assertThat(trie.unsubscribe("c1", "$share/g/a/+")).isEqualTo(shared);
        assertThat(trie.size()).isZero();
        assertThat(collect("a/b").isEmpty()).isTrue();
    }

    @Test
    void unsubscribe_unknownOrInvalid_returnsNull() {
        trie.subscribe(plain("c1", "a/b", 0));
        trie.subscribe(shared("c1", "g", "a/b", 0));

        assertThat(trie.unsubscribe("c2", "a/b")).isNull();
        assertThat(trie.unsubscribe("c1", "a/c")).isNull();
        assertThat(trie.unsubscribe("c1", "a/b/c")).isNull();
        assertThat(trie.unsubscribe("c1", "$share/h/a/b")).isNull();
        assertThat(trie.unsubscribe("c1", "$share/g")).isNull();
        assertThat(trie.unsubscribe("c1", "a/#/b")).isNull();
        assertThat(trie.size()).isEqualTo(2);
    }

    @Test
    void subscribe_afterUnsubscribeEmptiedBranch_matchesAgain() {
        Subscription deep = plain("c1", "a/b/c/d", 0);
        trie.subscribe(deep);
        trie.unsubscribe("c1", "a/b/c/d");
        trie.subscribe(deep);

        assertThat(collect("a/b/c/d").plain).containsExactly(deep);
    }

    @Test
    void unsubscribe_leaf_keepsSiblingsAndAncestors() {
        Subscription ancestor = plain("c1", "a", 0);
        Subscription sibling = plain("c2", "a/b/x", 0);
        trie.subscribe(ancestor);
        trie.subscribe(sibling);
        trie.subscribe(plain("c3", "a/b/y/z", 0));

        trie.unsubscribe("c3", "a/b/y/z");

        assertThat(collect("a").plain).containsExactly(ancestor);
        assertThat(collect("a/b/x").plain).containsExactly(sibling);
        assertThat(collect("a/b/y/z").isEmpty()).isTrue();
    }

    @Test
    void subscribe_invalidFilterOrShareName_throws() {
        assertThatThrownBy(() -> trie.subscribe(plain("c1", "a/#/b", 0)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> trie.subscribe(plain("c1", "", 0)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> trie.subscribe(shared("c1", "a/b", "t", 0)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> trie.subscribe(plain("c1", "$share/g/t", 0)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(trie.size()).isZero();
    }

    @Test
    void clear_removesEverything() {
        trie.subscribe(plain("c1", "#", 0));
        trie.subscribe(plain("c2", "a/b", 0));
        trie.subscribe(shared("c3", "g", "a/+", 0));

        trie.clear();

        assertThat(trie.size()).isZero();
        assertThat(collect("a/b").isEmpty()).isTrue();
    }

    @Test
    void match_sinkChangingTheTrie_doesNotDeadlock() {
        trie.subscribe(plain("c1", "a/+", 0));
        trie.subscribe(plain("c2", "a/b", 0));

        trie.match("a/b", new SubscriptionTrie.MatchSink() {
            @Override
            public void plain(Subscription subscription) {
                trie.unsubscribe(subscription.clientId(), subscription.fullFilter());
                trie.subscribe(SubscriptionTrieTest.plain(subscription.clientId(), "x/" + subscription.clientId(), 0));
            }

            @Override
            public void shared(String shareName, String filter, List<Subscription> group) {
            }
        });

        assertThat(trie.size()).isEqualTo(2);
        assertThat(collect("a/b").isEmpty()).isTrue();
        assertThat(collect("x/c1").plain).extracting(Subscription::clientId).containsExactly("c1");
    }

    @Test
    void match_randomSubscriptions_agreesWithTopicsMatches() {
        RandomTopics random = new RandomTopics(20_240_601);
        Map<String, Subscription> expected = new HashMap<>();
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < 200; i++) {
                Subscription subscription = randomSubscription(random);
                Subscription previous = expected.put(key(subscription), subscription);
                assertThat(trie.subscribe(subscription)).isEqualTo(previous);
            }
            for (int i = 0; i < 120 && !expected.isEmpty(); i++) {
                Subscription victim = new ArrayList<>(expected.values()).get(random.nextInt(expected.size()));
                expected.remove(key(victim));
                assertThat(trie.unsubscribe(victim.clientId(), victim.fullFilter())).isEqualTo(victim);
            }
            assertThat(trie.size()).isEqualTo(expected.size());
            for (int i = 0; i < 200; i++) {
                String topic = random.topic();
                assertThat(collect(topic).unordered()).as("matches of %s", topic)
                        .isEqualTo(bruteForce(expected, topic).unordered());
            }
        }
    }

    @Test
    void concurrentChurn_whileMatching_endsInExactState() throws Exception {
        int writers = 4;
        int clientsPerWriter = 25;
        List<String> filters = List.of("a", "a/b", "a/b/c", "a/+", "a/+/c", "a/#", "+/b/c", "#", "a/b/c/d/e");
        ExecutorService executor = Executors.newFixedThreadPool(writers + 1);
        AtomicBoolean writing = new AtomicBoolean(true);
        CountDownLatch start = new CountDownLatch(1);
        try {
            Future<Integer> reader = executor.submit(() -> {
                start.await();
                int seen = 0;
                while (writing.get()) {
                    seen += collect("a/b/c").plain.size();
                }
                return seen;
            });
            List<Future<?>> writes = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                writes.add(executor.submit(() -> {
                    start.await();
                    for (int round = 0; round < 200; round++) {
                        for (int c = 0; c < clientsPerWriter; c++) {
                            String filter = filters.get((round + c) % filters.size());
                            String client = "w" + writer + "-c" + c;
                            trie.subscribe(plain(client, filter, 0));
                            trie.unsubscribe(client, filter);
                        }
                    }
                    // every writer ends with each of its clients subscribed to every filter
                    for (int c = 0; c < clientsPerWriter; c++) {
                        for (String filter : filters) {
                            trie.subscribe(plain("w" + writer + "-c" + c, filter, 0));
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> write : writes) {
                write.get(30, TimeUnit.SECONDS);
            }
            writing.set(false);
            reader.get(30, TimeUnit.SECONDS);
        } finally {
            executor.shutdownNow();
        }

        int clients = writers * clientsPerWriter;
        assertThat(trie.size()).isEqualTo(clients * filters.size());
        long matchingFilters = filters.stream().filter(f -> Topics.matches(f, "a/b/c")).count();
        assertThat(collect("a/b/c").plain).hasSize((int) (clients * matchingFilters));
        assertThat(collect("a/b/c/d/e").plain).hasSize(clients * 3);
    }

    private static Subscription randomSubscription(RandomTopics random) {
        String client = "c" + random.nextInt(8);
        String filter = random.filter();
        int qos = random.nextInt(3);
        return random.nextInt(3) == 0
                ? shared(client, "g" + random.nextInt(2), filter, qos)
                : plain(client, filter, qos);
    }

    private static String key(Subscription subscription) {
        return subscription.clientId() + " " + subscription.fullFilter();
    }

    private static Matches bruteForce(Map<String, Subscription> subscriptions, String topic) {
        Matches matches = new Matches();
        Map<String, List<Subscription>> groups = new HashMap<>();
        for (Subscription subscription : subscriptions.values()) {
            if (!Topics.matches(subscription.filter(), topic)) {
                continue;
            }
            if (subscription.shared()) {
                groups.computeIfAbsent(subscription.fullFilter(), k -> new ArrayList<>()).add(subscription);
            } else {
                matches.plain.add(subscription);
            }
        }
        groups.values().forEach(members ->
                matches.shared.add(new Group(members.get(0).shareName(), members.get(0).filter(), members)));
        return matches;
    }

    private Matches collect(String topic) {
        Matches matches = new Matches();
        trie.match(topic, matches);
        return matches;
    }

    @Test
    void listener_hearsEachAddAndRemove_butNotAReplacement() {
        List<String> heard = new ArrayList<>();
        SubscriptionTrie told = new SubscriptionTrie(new SubscriptionTrie.Listener() {
            @Override
            public void added(Subscription s) {
                heard.add("+" + s.clientId() + " " + s.fullFilter());
            }

            @Override
            public void removed(Subscription s) {
                heard.add("-" + s.clientId() + " " + s.fullFilter());
            }
        });
        told.subscribe(plain("c1", "a/b", 0));
        told.subscribe(plain("c1", "a/b", 1)); // replacement
        told.subscribe(shared("c2", "g", "a/#", 1));
        told.unsubscribe("c1", "a/b");
        told.unsubscribe("c1", "a/b"); // gone already
        told.clear();

        assertThat(heard).containsExactly("+c1 a/b", "+c2 $share/g/a/#", "-c1 a/b", "-c2 $share/g/a/#");
    }

    private static Subscription plain(String clientId, String filter, int qos) {
        return new Subscription(clientId, filter, null, qos, false, false, 0, 0);
    }

    private static Subscription shared(String clientId, String shareName, String filter, int qos) {
        return new Subscription(clientId, filter, shareName, qos, false, false, 0, 0);
    }

    private record Group(String shareName, String filter, List<Subscription> members) {
    }

    /** What one match passed to its sink. */
    private static final class Matches implements SubscriptionTrie.MatchSink {

        final List<Subscription> plain = new ArrayList<>();
        final List<Group> shared = new ArrayList<>();

        @Override
        public void plain(Subscription subscription) {
            plain.add(subscription);
        }

        @Override
        public void shared(String shareName, String filter, List<Subscription> group) {
            assertThat(group).isNotEmpty();
            shared.add(new Group(shareName, filter, group));
        }

        boolean isEmpty() {
            return plain.isEmpty() && shared.isEmpty();
        }

        /** The matches as counts, ignoring the order of calls and of group members. */
        Map<Object, Integer> unordered() {
            Map<Object, Integer> counts = new HashMap<>();
            plain.forEach(subscription -> counts.merge(subscription, 1, Integer::sum));
            for (Group group : shared) {
                List<Subscription> members = group.members().stream()
                        .sorted(Comparator.comparing(Subscription::clientId))
                        .toList();
                counts.merge(new Group(group.shareName(), group.filter(), members), 1, Integer::sum);
            }
            return counts;
        }
    }
}
