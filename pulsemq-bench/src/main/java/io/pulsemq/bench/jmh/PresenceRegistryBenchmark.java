package io.pulsemq.bench.jmh;

import io.pulsemq.broker.presence.PresenceRegistry;
import io.pulsemq.protocol.ClientStatus;
import io.pulsemq.protocol.ClientStatusJson;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@link PresenceRegistry#get} with 100,000 known clients (10% online): the per-ID work behind every status
 * query. IDs are looked up in random order, so the cost includes cache misses as in a real batch query.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PresenceRegistryBenchmark {

    static final int CLIENTS = 100_000;

    private PresenceRegistry registry;
    private String[] known;
    private String[] unknown;

    @Setup(Level.Trial)
    public void setUp() {
        registry = new PresenceRegistry();
        known = new String[CLIENTS];
        for (int i = 0; i < CLIENTS; i++) {
            String id = String.format("GID_bench@@@dev-%06d", i);
            boolean online = i % 10 == 0;
            ClientStatus status = new ClientStatus(id, "GID_bench", online, online ? 1 : 3, online ? "connect" : "tcpclean",
                    "5f0c9e3b8a6d4f2e9b1c7a0d3e4f5a6b", "127.0.0.1:40000", "node-1", 1_764_100_000_000L,
                    online ? 0 : 1_764_100_000_100L, online ? null : "client_disconnect", 4, 0, true, null);
            registry.apply(status, ClientStatusJson.encode(status), i + 1);
            // New String objects, as a query decodes them: equals() must compare characters.
            known[i] = new String(id.toCharArray());
        }
        SplittableRandom r = new SplittableRandom(7);
        for (int i = CLIENTS - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            String t = known[i];
            known[i] = known[j];
            known[j] = t;
        }
        unknown = new String[1024];
        for (int i = 0; i < unknown.length; i++) {
            unknown[i] = String.format("GID_bench@@@nobody-%06d", i);
        }
    }

    @State(Scope.Thread)
    public static class Cursor {
        int i;
    }

    @Benchmark
    public ClientStatus getKnown(Cursor c) {
        int i = c.i + 1;
        c.i = i == CLIENTS ? 0 : i;
        return registry.get(known[c.i]);
    }

    @Benchmark
    public ClientStatus getUnknown(Cursor c) {
        c.i = (c.i + 1) & 1023;
        return registry.get(unknown[c.i]);
    }
}
