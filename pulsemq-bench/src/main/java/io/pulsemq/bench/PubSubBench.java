package io.pulsemq.bench;

import io.netty.handler.ssl.SslContext;
import io.pulsemq.bench.pubsub.PubSubLoad;
import io.pulsemq.bench.pubsub.PubSubLoad.Mode;
import io.pulsemq.bench.pubsub.PubSubLoad.Scenario;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Parts 5 to 7 against one running broker: publish/subscribe throughput, loss and latency; overload floods; the
 * memory of idle connections. Each method leaves the broker as it found it (every connection it opened closed).
 */
final class PubSubBench {

    /** Publishers and subscribers of the two shapes: many to one, and one to many (fan-out). */
    static final int MANY = 10;
    static final int[] PAYLOADS = {64, 1024};
    /** Payload of the floods: the larger one, so memory pressure shows. */
    static final int FLOOD_PAYLOAD = 1024;
    /** A drain ends after this long without a delivery. */
    private static final long QUIET_MS = 2_000;
    /** After a flood a broker may be busy with its backlog for a while before it delivers again. */
    private static final long FLOOD_QUIET_MS = 5_000;
    private static final long MAX_DRAIN_MS = 30_000;
    private static final long AFTER_CHECK_SECONDS = 2;

    private final BenchOptions options;
    private final PubSubLoad load;
    private final MqttLoadGenerator generator;
    private final Consumer<String> log;
    private int runs;

    PubSubBench(BenchOptions options, PubSubLoad load, MqttLoadGenerator generator, Consumer<String> log) {
        this.options = options;
        this.load = load;
        this.generator = generator;
        this.log = log;
    }

    /**
     * The ten workloads of part 5: 10 to 1 and 1 to 10, QoS 0 and 1, 64 B and 1 KB, with clean sessions; and QoS 1
     * 64 B to subscribers with persistent sessions, where the broker stores every delivery until it is acknowledged.
     */
    List<Scenario> scenarios() {
        List<Scenario> out = new ArrayList<>();
        for (int qos = 0; qos <= 1; qos++) {
            for (int payload : PAYLOADS) {
                out.add(new Scenario(MANY, 1, qos, payload, options.pubsubWindow()));
                out.add(new Scenario(1, MANY, qos, payload, options.pubsubWindow()));
            }
        }
        out.add(new Scenario(MANY, 1, 1, 64, options.pubsubWindow(), true));
        out.add(new Scenario(1, MANY, 1, 64, options.pubsubWindow(), true));
        return out;
    }

    /** Part 5 against {@code broker}: every scenario in a closed loop, then at each fixed rate. */
    List<Results.PubSub> pubsub(BrokerUnderTest broker) throws Exception {
        List<Results.PubSub> out = new ArrayList<>();
        for (Scenario s : scenarios()) {
            out.add(measure(broker, s, Mode.CLOSED_LOOP, 0));
        }
        for (int rate : options.pubsubRates()) {
            for (Scenario s : scenarios()) {
                out.add(measure(broker, s, Mode.FIXED_RATE, rate));
            }
        }
        return out;
    }

    private Results.PubSub measure(BrokerUnderTest broker, Scenario s, Mode mode, int offered) throws Exception {
        return measure(broker, broker.mqtt(), null, s, mode, offered);
    }

    /**
     * Part 8's closed-loop runs: the 10 to 1 workloads with 64 B payloads, QoS 0 and 1, against {@code target}
     * (the broker's plain or TLS listener), over TLS when {@code tls} is not null.
     */
    List<Results.PubSub> tlsPubSub(BrokerUnderTest broker, InetSocketAddress target, SslContext tls) throws Exception {
        List<Results.PubSub> out = new ArrayList<>();
        for (int qos = 0; qos <= 1; qos++) {
            out.add(measure(broker, target, tls, new Scenario(MANY, 1, qos, 64, options.pubsubWindow()),
                    Mode.CLOSED_LOOP, 0));
        }
        return out;
    }

    private Results.PubSub measure(BrokerUnderTest broker, InetSocketAddress target, SslContext tls, Scenario s,
                                   Mode mode, int offered) throws Exception {
        return measure(broker.name(), broker.version(), target, target, tls, List.of(broker.pid()), s, mode, offered);
    }

    /**
     * Part 10's runs: publishers on {@code publishTo}, subscribers on {@code subscribeTo} (another node of the
     * cluster, or the same single broker), after a {@link RouteProbe} made sure the route between them is there.
     *
     * @param pids the processes whose CPU is the broker's
     */
    Results.PubSub crossNode(String name, String version, InetSocketAddress publishTo, InetSocketAddress subscribeTo,
                             List<Long> pids, Scenario s, Mode mode, int offered) throws Exception {
        return measure(name, version, publishTo, subscribeTo, null, pids, s, mode, offered);
    }

    private Results.PubSub measure(String name, String version, InetSocketAddress publishTo,
                                   InetSocketAddress subscribeTo, SslContext tls, List<Long> pids, Scenario s,
                                   Mode mode, int offered) throws Exception {
        // The offered rate counts deliveries, so both shapes move the same number of messages to subscribers.
        int publishRate = Math.max(1, offered / s.subscribers());
        String runId = runId();
        RouteProbe route = publishTo.equals(subscribeTo) ? null
                : RouteProbe.open(publishTo, subscribeTo, PubSubLoad.topic(runId));
        try (PubSubLoad.Run run = load.start(publishTo, subscribeTo, tls, s, mode, publishRate, runId)) {
            if (route != null) {
                log.accept(String.format(Locale.ROOT, "  route from %s to %s there after %d ms", publishTo, subscribeTo,
                        route.millis()));
                route.close();
                route = null;
            }
            TimeUnit.MILLISECONDS.sleep(options.warmup().toMillis());
            run.resetInterval();
            Cpu cpu = new Cpu(pids);
            TimeUnit.MILLISECONDS.sleep(options.pubsubDuration().toMillis());
            PubSubLoad.Interval iv = run.interval();
            double[] cores = cpu.cores();
            run.stopPublishing();
            PubSubLoad.Totals t = run.drain(QUIET_MS, MAX_DRAIN_MS);
            Results.PubSub r = new Results.PubSub(name, version, s.label(), s.publishers(),
                    s.subscribers(), s.qos(), s.payloadBytes(), mode == Mode.CLOSED_LOOP ? "closed-loop" : "fixed-rate",
                    offered, iv.seconds(), iv.deliveredPerSecond(), LatencyStats.ofNanos(iv.latency()), t.sent(),
                    t.lost(), t.duplicates(), t.reordered(), t.stalls(), cores[0], cores[1]);
            log.accept(String.format(Locale.ROOT, "  %s%s %s %s: %,.0f delivered/s, p50 %s p99 %s, lost %,d of %,d%s%s",
                    name, tls == null ? "" : " (TLS)", s.label(), mode == Mode.CLOSED_LOOP ? "closed loop"
                            : String.format(Locale.ROOT,
                            "at %,d/s", offered), r.deliveredPerSecond(), LatencyStats.format(r.latency().p50Us()),
                    LatencyStats.format(r.latency().p99Us()), r.lost(), t.expected(),
                    t.duplicates() > 0 ? ", " + t.duplicates() + " duplicates" : "",
                    t.reordered() > 0 ? ", " + t.reordered() + " out of order" : ""));
            return r;
        } finally {
            if (route != null) {
                route.close();
            }
        }
    }

    /** The floods of part 6: 10 publishers to 1 subscriber, 1 KB, QoS 0 then QoS 1, each followed by a check. */
    List<Results.Overload> overload(BrokerUnderTest broker) throws Exception {
        List<Results.Overload> out = new ArrayList<>();
        for (int qos = 0; qos <= 1; qos++) {
            out.add(flood(broker, new Scenario(MANY, 1, qos, FLOOD_PAYLOAD, options.pubsubWindow())));
            if (!broker.process().alive()) {
                break;
            }
        }
        return out;
    }

    private Results.Overload flood(BrokerUnderTest broker, Scenario s) throws Exception {
        long baseline = MachineInfo.rssKiB(broker.pid());
        AtomicLong peak = new AtomicLong(baseline);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-rss");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(() -> peak.accumulateAndGet(MachineInfo.rssKiB(broker.pid()), Math::max),
                0, 100, TimeUnit.MILLISECONDS);
        PubSubLoad.Interval iv;
        PubSubLoad.Totals t;
        boolean kept;
        try (PubSubLoad.Run run = load.start(broker.mqtt(), s, Mode.FLOOD, 0, runId())) {
            log.accept(String.format(Locale.ROOT, "  %s: flood %s for %d s", broker.name(), s.label(),
                    options.overloadDuration().toSeconds()));
            TimeUnit.MILLISECONDS.sleep(options.overloadDuration().toMillis());
            iv = run.interval();
            kept = run.allConnected();
            run.stopPublishing();
            t = run.drain(FLOOD_QUIET_MS, MAX_DRAIN_MS);
        } finally {
            sampler.shutdownNow();
        }
        After after = afterCheck(broker);
        boolean alive = after.alive();
        double afterRate = after.deliveredPerSecond();
        long afterLost = after.lost();
        String afterError = after.error();
        Results.Overload r = new Results.Overload(broker.name(), broker.version(), s.label(), iv.seconds(),
                iv.sentPerSecond(), t.sent(), t.delivered(), t.lost(), iv.deliveredPerSecond(), baseline, peak.get(),
                alive, kept, afterRate, afterLost, afterError);
        log.accept(String.format(Locale.ROOT, "    sent %,d (%,.0f/s), delivered %,d, dropped %,d, RSS %,d -> peak %,d "
                        + "KiB; afterwards %s", r.sent(), r.sentPerSecond(), r.delivered(), r.dropped(), baseline,
                r.peakRssKiB(), r.servesAfterwards() ? String.format(Locale.ROOT, "%,.0f delivered/s, nothing lost",
                        afterRate) : "NOT serving normally: " + (afterError != null ? afterError : "lost " + afterLost)));
        return r;
    }

    /**
     * What a broker does right after a flood: {@value #AFTER_CHECK_SECONDS} s of the closed-loop QoS 1 64 B workload
     * on new connections (deliveries per second and what it lost), or why it could not.
     */
    After afterCheck(BrokerUnderTest broker) {
        if (!broker.process().alive()) {
            return new After(false, 0, -1, "the broker process exited");
        }
        try (PubSubLoad.Run check = load.start(broker.mqtt(), new Scenario(MANY, 1, 1, 64, options.pubsubWindow()),
                Mode.CLOSED_LOOP, 0, runId())) {
            TimeUnit.SECONDS.sleep(AFTER_CHECK_SECONDS);
            double rate = check.interval().deliveredPerSecond();
            check.stopPublishing();
            return new After(true, rate, check.drain(QUIET_MS, MAX_DRAIN_MS).lost(), null);
        } catch (Exception e) {
            return new After(broker.process().alive(), 0, -1, String.valueOf(e));
        }
    }

    /** The check after a flood. */
    record After(boolean alive, double deliveredPerSecond, long lost, String error) {
    }

    /**
     * Part 7: holds {@link BenchOptions#idleConnections()} connections open in steps and measures the broker's
     * memory at each; {@code maxConnections} caps them (open-file limit).
     */
    List<Results.Idle> idle(BrokerUnderTest broker, int maxConnections) throws Exception {
        List<Results.Idle> out = new ArrayList<>();
        settle();
        long baseRss = MachineInfo.rssKiB(broker.pid());
        long baseHeap = broker.kind().jvm() ? JvmHeap.usedAfterGcKiB(broker.pid()) : -1;
        String prefix = "GID_bench@@@idle-" + runId() + "-";
        int open = 0;
        try {
            for (int step : options.idleConnections()) {
                int target = Math.min(step, maxConnections);
                if (target <= open) {
                    continue;
                }
                int from = open;
                AtomicInteger next = new AtomicInteger(from);
                generator.start(broker.mqtt(), options.concurrency(), slot -> {
                    int i = next.getAndIncrement();
                    return i < target ? new MqttLoadGenerator.Attempt(prefix + i, true) : null;
                });
                if (!generator.await(5, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("opening " + target + " connections took more than 5 minutes");
                }
                open = target;
                settle();
                int connected = generator.heldConnections();
                if (connected < target) {
                    log.accept(String.format(Locale.ROOT, "  %s: only %,d of %,d connections open (first error: %s)",
                            broker.name(), connected, target, generator.firstError()));
                }
                long rss = MachineInfo.rssKiB(broker.pid());
                long heap = broker.kind().jvm() ? JvmHeap.usedAfterGcKiB(broker.pid()) : -1;
                Results.Idle r = new Results.Idle(broker.name(), broker.version(), target, connected, baseRss, rss,
                        baseHeap, heap);
                out.add(r);
                log.accept(String.format(Locale.ROOT, "  %s: %,d idle connections: RSS %,d -> %,d KiB (%.1f KiB per "
                                + "connection)%s", broker.name(), connected, baseRss, rss, r.rssPerConnectionKiB(),
                        heap < 0 ? "" : String.format(Locale.ROOT, ", heap after GC %,d -> %,d KiB (%.1f KiB per "
                                + "connection)", baseHeap, heap, r.heapPerConnectionKiB())));
            }
        } finally {
            generator.closeHeld(60_000);
        }
        return out;
    }

    /** Lets a broker finish what the last step started (connection setup, JIT) before its memory is read. */
    private static void settle() throws InterruptedException {
        TimeUnit.SECONDS.sleep(2);
    }

    private String runId() {
        return Long.toString(System.nanoTime() % 1_000_000_000L, 36) + "-" + (++runs);
    }

    /** CPU of the broker (all its processes) and of this JVM since construction, in cores. */
    private static final class Cpu {
        private final List<Long> pids;
        private final double broker0;
        private final double self0;
        private final long t0 = System.nanoTime();

        Cpu(List<Long> pids) {
            this.pids = pids;
            this.broker0 = ChurnLoad.cpuSeconds(pids);
            this.self0 = MachineInfo.cpuSeconds(ProcessHandle.current().pid());
        }

        double[] cores() {
            double s = (System.nanoTime() - t0) / 1e9;
            return new double[] {(ChurnLoad.cpuSeconds(pids) - broker0) / s,
                    (MachineInfo.cpuSeconds(ProcessHandle.current().pid()) - self0) / s};
        }
    }
}
