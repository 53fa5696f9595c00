package io.pulsemq.bench.jmh;

import io.pulsemq.broker.subscription.Subscription;
import io.pulsemq.broker.subscription.SubscriptionTrie;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@link SubscriptionTrie#match} on a trie shaped like a device fleet: 10,000 devices each subscribed to its own
 * command topic {@code devices/{id}/cmd}, plus 100 backend subscriptions with wildcards
 * ({@code devices/+/status}, {@code devices/#}, {@code $share/backend/devices/+/telemetry}, ...).
 * A match of a device status topic hits one {@code +} filter, one {@code #} filter and one shared group.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SubscriptionTrieBenchmark {

    private static final int DEVICES = 10_000;

    private SubscriptionTrie trie;
    private String[] statusTopics;
    private String[] commandTopics;

    @Setup(Level.Trial)
    public void setUp() {
        trie = new SubscriptionTrie();
        for (int i = 0; i < DEVICES; i++) {
            trie.subscribe(plain("GID_car@@@dev" + i, "devices/" + i + "/cmd"));
        }
        for (int b = 0; b < 20; b++) {
            trie.subscribe(plain("GID_backend@@@b" + b, "devices/+/status"));
            trie.subscribe(plain("GID_backend@@@a" + b, "audit/#"));
            trie.subscribe(new Subscription("GID_backend@@@s" + b, "devices/+/telemetry", "backend", 1, false, false,
                    0, 0));
            trie.subscribe(plain("GID_backend@@@r" + b, "region/" + b + "/+/alerts"));
        }
        trie.subscribe(plain("GID_ops@@@all", "devices/#"));
        SplittableRandom r = new SplittableRandom(1);
        statusTopics = new String[1024];
        commandTopics = new String[1024];
        for (int i = 0; i < statusTopics.length; i++) {
            int d = r.nextInt(DEVICES);
            statusTopics[i] = "devices/" + d + "/status";
            commandTopics[i] = "devices/" + d + "/cmd";
        }
    }

    private static Subscription plain(String clientId, String filter) {
        return new Subscription(clientId, filter, null, 1, false, false, 0, 0);
    }

    /** Per-thread cursor over the topics, so that the JIT cannot fold a constant topic. */
    @State(Scope.Thread)
    public static class Cursor {
        int i;

        int next() {
            return i = (i + 1) & 1023;
        }
    }

    /** A device status message: 20 {@code devices/+/status} subscribers and {@code devices/#}. */
    @Benchmark
    public void matchStatusTopic(Cursor c, Blackhole bh) {
        trie.match(statusTopics[c.next()], new Sink(bh));
    }

    /** A command to one device: its own subscription and {@code devices/#}. */
    @Benchmark
    public void matchCommandTopic(Cursor c, Blackhole bh) {
        trie.match(commandTopics[c.next()], new Sink(bh));
    }

    private record Sink(Blackhole bh) implements SubscriptionTrie.MatchSink {
        @Override
        public void plain(Subscription subscription) {
            bh.consume(subscription);
        }

        @Override
        public void shared(String shareName, String filter, List<Subscription> group) {
            bh.consume(group);
        }
    }
}
