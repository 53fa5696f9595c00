package io.pulsemq.broker.retained;

import io.pulsemq.broker.message.Message;
import io.pulsemq.broker.subscription.RandomTopics;
import io.pulsemq.broker.subscription.Topics;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

class InMemoryRetainedStoreTest {

    private final InMemoryRetainedStore store = new InMemoryRetainedStore();

    @Test
    void put_sameTopicTwice_keepsLatestOnly() {
        store.put(message("a/b", "first"));
        Message latest = message("a/b", "second");
        store.put(latest);

        assertThat(store.size()).isEqualTo(1);
        assertThat(matchTopics("a/b")).containsExactly("a/b");
        assertThat(match("a/b")).containsExactly(latest);
    }

    @Test
    void putAndRemove_answerWhatTheyReplaced_andKeepCountAndBytesExact() {
        Message first = message("a/b", "12345");
        assertThat(store.put(first)).isNull();
        assertThat(store.put(message("c", "12"))).isNull();
        assertThat(store.bytes()).isEqualTo(7);

        assertThat(store.put(message("a/b", "1"))).isSameAs(first);
        assertThat(store.bytes()).isEqualTo(3);
        assertThat(store.get("a/b").payload()).hasSize(1);
        assertThat(store.remove("c")).isNotNull();
        assertThat(store.remove("c")).isNull();
        assertThat(store.size()).isEqualTo(1);
        assertThat(store.bytes()).isEqualTo(1);
        assertThat(store.get("c")).isNull();
    }

    @Test
    void put_emptyPayload_storedLikeAnyOther() {
        Message empty = message("a", "");
        store.put(empty);

        assertThat(store.size()).isEqualTo(1);
        assertThat(match("a")).containsExactly(empty);
    }

    @Test
    void remove_existing_stopsMatchingAndKeepsOthers() {
        store.put(message("a", "x"));
        store.put(message("a/b", "x"));
        store.put(message("a/b/c", "x"));

        store.remove("a/b");

        assertThat(store.size()).isEqualTo(2);
        assertThat(matchTopics("#")).containsExactlyInAnyOrder("a", "a/b/c");
    }

    @Test
    void remove_unknownOrInvalidTopic_isNoOp() {
        store.put(message("a/b", "x"));

        store.remove("a");
        store.remove("a/b/c");
        store.remove("a/+");
        store.remove("");

        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void put_afterRemoveEmptiedBranch_matchesAgain() {
        store.put(message("a/b/c", "x"));
        store.remove("a/b/c");
        store.put(message("a/b/c", "y"));

        assertThat(matchTopics("a/+/c")).containsExactly("a/b/c");
    }

    @Test
    void match_wildcards_visitMatchingTopicsOnly() {
        List.of("sport", "sport/", "sport/tennis", "sport/tennis/player1", "sport/tennis/player1/ranking",
                "sport/golf/player1", "/finance", "finance").forEach(topic -> store.put(message(topic, "x")));

        assertThat(matchTopics("sport/tennis/player1/#"))
                .containsExactlyInAnyOrder("sport/tennis/player1", "sport/tennis/player1/ranking");
        assertThat(matchTopics("sport/#")).containsExactlyInAnyOrder("sport", "sport/", "sport/tennis",
                "sport/tennis/player1", "sport/tennis/player1/ranking", "sport/golf/player1");
        assertThat(matchTopics("sport/+")).containsExactlyInAnyOrder("sport/", "sport/tennis");
        assertThat(matchTopics("sport/+/player1")).containsExactlyInAnyOrder("sport/tennis/player1",
                "sport/golf/player1");
        assertThat(matchTopics("+/+")).containsExactlyInAnyOrder("sport/", "sport/tennis", "/finance");
        assertThat(matchTopics("/+")).containsExactly("/finance");
        assertThat(matchTopics("+")).containsExactlyInAnyOrder("sport", "finance");
        assertThat(matchTopics("golf")).isEmpty();
    }

    @Test
    void match_dollarTopics_notMatchedByLeadingWildcards() {
        List.of("$SYS/monitor/Clients", "$SYS", "a/$b", "a").forEach(topic -> store.put(message(topic, "x")));

        assertThat(matchTopics("#")).containsExactlyInAnyOrder("a/$b", "a");
        assertThat(matchTopics("+/monitor/Clients")).isEmpty();
        assertThat(matchTopics("+")).containsExactly("a");
        assertThat(matchTopics("$SYS/#")).containsExactlyInAnyOrder("$SYS", "$SYS/monitor/Clients");
        assertThat(matchTopics("$SYS/monitor/+")).containsExactly("$SYS/monitor/Clients");
        assertThat(matchTopics("a/+")).containsExactly("a/$b");
    }

    @Test
    void forEach_passesEveryMessage() {
        List.of("a", "a/b", "$SYS/x", "/", "b//c").forEach(topic -> store.put(message(topic, "x")));
        List<String> topics = new ArrayList<>();

        store.forEach(message -> topics.add(message.topic()));

        assertThat(topics).containsExactlyInAnyOrder("a", "a/b", "$SYS/x", "/", "b//c");
    }

    @Test
    void invalidTopicOrFilter_throws() {
        assertThatThrownBy(() -> store.put(message("a/+", "x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.put(message("", "x"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.match("a/#/b", m -> { })).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.size()).isZero();
    }

    @Test
    void match_randomTopicsAndFilters_agreesWithTopicsMatches() {
        RandomTopics random = new RandomTopics(1_883);
        Map<String, Message> expected = new HashMap<>();
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < 100; i++) {
                Message message = message(random.topic(), "r" + round);
                expected.put(message.topic(), message);
                store.put(message);
            }
            for (int i = 0; i < 10; i++) {
                String topic = random.topic();
                expected.remove(topic);
                store.remove(topic);
            }
            assertThat(store.size()).isEqualTo(expected.size());
            for (int i = 0; i < 200; i++) {
                String filter = random.filter();
                List<Message> bruteForce = expected.values().stream()
                        .filter(message -> Topics.matches(filter, message.topic()))
                        .toList();
                assertThat(match(filter)).as("matches of %s", filter).containsExactlyInAnyOrderElementsOf(bruteForce);
            }
        }
    }

    @Test
    void concurrentPutAndRemove_whileMatching_endsInExactState() throws Exception {
        int writers = 4;
        List<String> topics = List.of("a", "a/b", "a/b/c", "a/b/c/d", "a//c", "b/c", "$SYS/a/b/c");
        ExecutorService executor = Executors.newFixedThreadPool(writers + 1);
        AtomicBoolean writing = new AtomicBoolean(true);
        CountDownLatch start = new CountDownLatch(1);
        try {
            Future<?> reader = executor.submit(() -> {
                start.await();
                while (writing.get()) {
                    store.match("a/+/c/#", message -> assertThat(message.topic()).startsWith("a/"));
                }
                return null;
            });
            List<Future<?>> writes = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                String prefix = "w" + w + "/";
                writes.add(executor.submit(() -> {
                    start.await();
                    for (int round = 0; round < 500; round++) {
                        for (String topic : topics) {
                            store.put(message(prefix + topic, "x"));
                            store.remove(prefix + topic);
                            store.put(message(topic, "shared by all writers"));
                            store.remove(topic);
                        }
                    }
                    for (String topic : topics) {
                        store.put(message(prefix + topic, "final"));
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

        assertThat(store.size()).isEqualTo(writers * topics.size());
        assertThat(matchTopics("+/a/+/c")).containsExactlyInAnyOrder("w0/a/b/c", "w1/a/b/c", "w2/a/b/c", "w3/a/b/c",
                "w0/a//c", "w1/a//c", "w2/a//c", "w3/a//c");
        assertThat(matchTopics("#")).hasSize(writers * topics.size());
    }

    private List<Message> match(String filter) {
        List<Message> matches = new ArrayList<>();
        store.match(filter, matches::add);
        return matches;
    }

    private List<String> matchTopics(String filter) {
        return match(filter).stream().map(Message::topic).toList();
    }

    private static Message message(String topic, String payload) {
        return Message.of(topic, 1, true, payload.getBytes(StandardCharsets.UTF_8), "publisher", 0);
    }
}
