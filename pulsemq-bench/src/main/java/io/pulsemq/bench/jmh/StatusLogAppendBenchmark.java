package io.pulsemq.bench.jmh;

import io.pulsemq.broker.presence.PresenceRegistry;
import io.pulsemq.broker.session.ConnectionInfo;
import io.pulsemq.broker.statuslog.EventDraft;
import io.pulsemq.broker.statuslog.RocksStatusLog;
import io.pulsemq.broker.store.RocksStore;
import io.pulsemq.protocol.DisconnectReason;
import io.pulsemq.protocol.EventType;
import io.pulsemq.protocol.StatusEvent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@link RocksStatusLog#append}: events as the broker's connections hand them over, made durable by the writer
 * thread's group commit (RocksDB batch, fsync). One invocation appends {@value #BURST} events of distinct clients
 * (connect, then tcpclean, alternately, over 10,000 client IDs) and waits for the last; the score is the time per
 * event, fsync included and shared by the events of a group. The store lives in a temporary directory on the
 * machine's disk.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class StatusLogAppendBenchmark {

    private static final int BURST = 256;
    private static final int CLIENTS = 10_000;

    private Path dir;
    private RocksStore store;
    private RocksStatusLog log;
    private EventDraft[] connects;
    private EventDraft[] tcpcleans;
    private long round;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("pulsemq-jmh-statuslog");
        store = RocksStore.open(dir);
        log = RocksStatusLog.open(store, new PresenceRegistry(), "node-1", Clock.systemUTC(), Integer.MAX_VALUE);
        connects = new EventDraft[CLIENTS];
        tcpcleans = new EventDraft[CLIENTS];
        long now = System.currentTimeMillis();
        for (int i = 0; i < CLIENTS; i++) {
            ConnectionInfo c = new ConnectionInfo(String.format("GID_bench@@@dev-%06d", i),
                    String.format("%032x", i), "10.1.2.3:" + (10_000 + i), 4, 60, true, null, now);
            connects[i] = new EventDraft(EventType.CONNECT, c, null, now);
            tcpcleans[i] = new EventDraft(EventType.TCPCLEAN, c, DisconnectReason.CLIENT_DISCONNECT, now);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        log.close();
        store.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public StatusEvent appendBurst() {
        EventDraft[] drafts = (round & 1) == 0 ? connects : tcpcleans;
        int first = (int) ((round / 2 * BURST) % CLIENTS);
        round++;
        CompletableFuture<StatusEvent> last = null;
        for (int i = 0; i < BURST; i++) {
            last = log.append(drafts[(first + i) % CLIENTS]);
        }
        return last.join();
    }
}
