package io.pulsemq.broker.cluster;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Heartbeats of three nodes over a real nats-server: a node that stops is declared dead by each survivor exactly once,
 * and alive again when it comes back. Short intervals keep the test quick; nothing here asserts how long anything
 * took.
 */
class NodeHeartbeatsTest {

    private static final Duration INTERVAL = Duration.ofMillis(100);
    /** Thirty intervals: a busy machine that holds up a thread for a moment must not kill a live node. */
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    @RegisterExtension
    static final SingleNats NATS = new SingleNats();


    @Test
    void aNodeThatStops_isDeclaredDeadOnceByEachSurvivor_andAliveAgainWhenItReturns() {
        Events a = new Events();
        Events b = new Events();
        String subject = "test.heartbeats.stop";
        try (NodeHeartbeats na = beats(subject, "a", a); NodeHeartbeats nb = beats(subject, "b", b)) {
            NodeHeartbeats nc = beats(subject, "c", new Events());
            await().atMost(30, TimeUnit.SECONDS).until(() -> na.alive().equals(Set.of("b", "c"))
                    && nb.alive().equals(Set.of("a", "c")));

            nc.close();

            await().atMost(30, TimeUnit.SECONDS).until(() -> a.dead.contains("c") && b.dead.contains("c"));
            assertThat(na.alive()).containsExactly("b");
            assertThat(a.dead).containsExactly("c"); // once, and never the live node b
            assertThat(b.dead).containsExactly("c");

            try (NodeHeartbeats back = beats(subject, "c", new Events())) {
                await().atMost(30, TimeUnit.SECONDS).until(() -> a.alive.contains("c") && b.alive.contains("c"));
                assertThat(na.alive()).containsExactly("b", "c");
                assertThat(a.dead).containsExactly("c"); // still only the one death
            }
        }
    }

    @Test
    void all_tellsEveryListener_evenAfterOneFails() {
        Events first = new Events();
        Events last = new Events();
        NodeHeartbeats.Listener failing = node -> {
            throw new IllegalStateException("broken listener");
        };
        NodeHeartbeats.Listener all = NodeHeartbeats.Listener.all(first, failing, last);

        all.dead("x");
        all.alive("x");

        assertThat(first.dead).containsExactly("x");
        assertThat(last.dead).containsExactly("x");
        assertThat(last.alive).containsExactly("x");
    }

    @Test
    void timeoutShorterThanTwoIntervals_isRefused() {
        assertThatThrownBy(() -> new NodeHeartbeats(NATS.connection(), "test.heartbeats.bad", "a",
                Duration.ofSeconds(1), Duration.ofMillis(1500), Clock.systemUTC(), node -> { }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two heartbeat intervals");
    }

    private static NodeHeartbeats beats(String subject, String node, Events events) {
        return new NodeHeartbeats(NATS.connection(), subject, node, INTERVAL, TIMEOUT, Clock.systemUTC(), events);
    }

    /** What a node's listener was told, in order. */
    private static final class Events implements NodeHeartbeats.Listener {
        final List<String> dead = new CopyOnWriteArrayList<>();
        final List<String> alive = new CopyOnWriteArrayList<>();

        @Override
        public void dead(String node) {
            dead.add(node);
        }

        @Override
        public void alive(String node) {
            alive.add(node);
        }
    }
}
