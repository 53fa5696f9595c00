package io.pulsemq.bench;

import io.pulsemq.bench.amqp.SseListener;
import io.pulsemq.bench.pubsub.PubSubLoad.Mode;
import io.pulsemq.bench.pubsub.PubSubLoad.Scenario;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Part 10: PulseMQ in cluster mode ({@code cluster.engine: nats}) beside a single node in the same run. A fresh
 * single PulseMQ (embedded store) runs the baseline workloads first; then three {@link NatsServers} and three
 * PulseMQ nodes on them (status stream with three replicas, {@code cluster.nodeTimeout} {@value #NODE_TIMEOUT_MS}
 * ms) run the same workloads across nodes, then the failover rounds:
 * <ol>
 *   <li>durable connect churn, part 1's generator, its slots spread over the three nodes;</li>
 *   <li>publish/subscribe, 10 publishers on node A and 1 subscriber on node B, QoS 0 and 1, 64 B, closed loop and
 *       at a fixed rate (the single node: publishers and subscriber on it);</li>
 *   <li>status queries on node B about clients connected to node A (part 2's load: single lookups at a fixed rate,
 *       1,000-id batches one at a time), the same on node A, and on the single node;</li>
 *   <li>failover: clients held on one node, the node killed with SIGKILL, the survivors' {@code tcpclean} events
 *       read from the next node's SSE stream until every client has one; the node is started again (fresh data
 *       directory, same name) with the stream still read, so an end logged twice shows; then a status query
 *       checks that none of them is still online.</li>
 * </ol>
 */
final class ClusterBench {

    static final int NODES = 3;
    static final int REPLICAS = 3;
    /** {@code cluster.nodeTimeout}: the default. */
    static final long NODE_TIMEOUT_MS = 5_000;
    /** Failover: how long after the kill the round gives up waiting for the offline events. */
    private static final long FAILOVER_WAIT_MS = NODE_TIMEOUT_MS + 60_000;
    /** Failover: how long the stream is read after the restarted node is up, for late duplicates. */
    static final long GRACE_MS = 3_000;
    private static final int QUERY_CONNECTIONS = 8;
    private static final String GROUP = "GID_bench";

    private final BenchOptions options;
    private final Results results;
    private final MqttLoadGenerator generator;
    private final PubSubBench pubsub;
    private final Path jar;
    private final String version;
    private final Path work;
    private final Consumer<String> log;

    ClusterBench(BenchOptions options, Results results, MqttLoadGenerator generator, PubSubBench pubsub, Path jar,
                 String version, Path work, Consumer<String> log) {
        this.options = options;
        this.results = results;
        this.generator = generator;
        this.pubsub = pubsub;
        this.jar = jar;
        this.version = version;
        this.work = work;
        this.log = log;
    }

    /** Where the logs of the part's processes are kept after the run (the working directory is deleted). */
    static final Path LOGS = Path.of("target", "bench-cluster", "logs");

    /**
     * Runs the part with the NATS server at {@code natsBinary}; figures go to {@link Results}, the processes' logs
     * to {@link #LOGS}.
     */
    void run(Path natsBinary) throws Exception {
        clearLogs();
        try {
            measure(natsBinary);
        } finally {
            keepLogs();
        }
    }

    private void measure(Path natsBinary) throws Exception {
        results.clusterSetup = new Results.ClusterSetup(NatsServers.version(natsBinary), NODES, NatsServers.SIZE,
                REPLICAS, NODE_TIMEOUT_MS, queryClients(), options.failoverClients());
        log.accept("part 10: cluster baseline, a single PulseMQ node (embedded store)");
        results.sampleLoad();
        try (PulseMqProcess single = PulseMqProcess.start(jar, dir("cluster-single"), List.of())) {
            InetSocketAddress mqtt = mqtt(single);
            List<Long> pids = List.of(single.pid());
            churn(Results.SINGLE, List.of(mqtt), pids);
            pubsubRuns(Results.SINGLE, mqtt, mqtt, pids);
            List<String> ids = hold(mqtt, "cq-single", queryClients());
            try {
                queries(Results.SINGLE, single, ids);
            } finally {
                generator.closeHeld(15_000);
            }
        }
        log.accept("part 10: 3 NATS servers (JetStream, clustered) and 3 PulseMQ nodes");
        results.sampleLoad();
        try (NatsServers nats = NatsServers.start(natsBinary, dir("nats")); Nodes nodes = new Nodes(nats)) {
            for (int i = 0; i < NODES; i++) {
                nodes.start(i, "start");
            }
            List<InetSocketAddress> all = new ArrayList<>();
            for (int i = 0; i < NODES; i++) {
                all.add(mqtt(nodes.get(i)));
            }
            churn(Results.CLUSTER, all, nodes.pids());
            profiled(nodes, "cluster pub/sub", () -> pubsubRuns(Results.CLUSTER, all.get(0), all.get(1), nodes.pids()));
            for (int i = 0; i < 2; i++) {
                logRouteCounters(nodes.get(i), nodeName(i));
            }
            List<String> ids = hold(all.get(0), "cq", queryClients());
            try {
                queries(Results.NON_OWNER, nodes.get(1), ids);
                queries(Results.OWNER, nodes.get(0), ids);
            } finally {
                generator.closeHeld(15_000);
            }
            for (int round = 1; round <= options.failoverRounds(); round++) {
                results.failover.add(failover(nodes, round));
                results.sampleLoad();
            }
        }
    }

    /** A phase that may throw. */
    private interface Phase {
        void run() throws Exception;
    }

    /**
     * Runs {@code phase} with JFR recording on nodes A (publishers) and B (subscriber) unless {@code --no-jfr}; their
     * hottest methods go to the report's profiles.
     */
    private void profiled(Nodes nodes, String phase, Phase body) throws Exception {
        if (!options.jfr()) {
            body.run();
            return;
        }
        String recording = "pulsemq-bench";
        for (int i = 0; i < 2; i++) {
            JfrControl.start(nodes.get(i).pid(), recording);
        }
        try {
            body.run();
        } finally {
            for (int i = 0; i < 2; i++) {
                String who = nodeName(i) + (i == 0 ? " (publishers)" : " (subscriber)");
                Path file = Path.of("target", "bench-jfr", "cluster-" + nodeName(i) + "-pubsub.jfr");
                try {
                    JfrControl.stop(nodes.get(i).pid(), recording, file);
                    results.profiles.add(JfrSummary.read(phase + ", " + who, file, 12));
                } catch (IOException | RuntimeException e) {
                    results.notes.add("No JFR profile of " + who + " during " + phase + ": " + e.getMessage());
                }
            }
        }
    }

    /** Logs a node's {@code pulsemq_cluster_*} counters (messages routed, batches, resends) from its /metrics. */
    private void logRouteCounters(PulseMqProcess p, String name) {
        try {
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + p.ports().http()
                            + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            r.body().lines().filter(l -> l.startsWith("pulsemq_cluster_"))
                    .forEach(l -> log.accept("    " + name + " " + l));
        } catch (IOException e) {
            log.accept("    " + name + ": no /metrics (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private int queryClients() {
        return options.quick() ? 1_000 : 5_000;
    }

    // ---- workloads -----------------------------------------------------------------------------

    private void churn(String setup, List<InetSocketAddress> targets, List<Long> pids) throws InterruptedException {
        log.accept("  churn against " + setup + " (every connect durable before its CONNACK)");
        results.clusterChurn.add(new ChurnLoad(options, generator, results, log).run("PulseMQ (" + setup + ")",
                version, targets, null, options.churnWarmup(), pids));
    }

    /** The 10 to 1 workloads, QoS 0 and 1, 64 B: closed loop, then at the first of {@code --pubsub-rates}. */
    static List<Scenario> scenarios(int window) {
        return List.of(new Scenario(PubSubBench.MANY, 1, 0, 64, window), new Scenario(PubSubBench.MANY, 1, 1, 64, window));
    }

    private void pubsubRuns(String setup, InetSocketAddress publishTo, InetSocketAddress subscribeTo, List<Long> pids)
            throws Exception {
        String name = "PulseMQ (" + setup + ")";
        int rate = options.pubsubRates().get(0);
        for (Scenario s : scenarios(options.pubsubWindow())) {
            results.clusterPubsub.add(new Results.ClusterPubSub(setup,
                    pubsub.crossNode(name, version, publishTo, subscribeTo, pids, s, Mode.CLOSED_LOOP, 0)));
            results.clusterPubsub.add(new Results.ClusterPubSub(setup,
                    pubsub.crossNode(name, version, publishTo, subscribeTo, pids, s, Mode.FIXED_RATE, rate)));
        }
    }

    private void queries(String setup, PulseMqProcess on, List<String> ids) throws InterruptedException {
        StatusQueryBench q = new StatusQueryBench(on.ports().http(), on.adminKey().id(), on.adminKey().secret(), ids);
        String missing = q.probe();
        if (missing != null) {
            throw new IllegalStateException("status API not served on " + setup + ": " + missing);
        }
        log.accept("  status queries on " + setup + ": GET /api/v1/clients/{id} at " + options.singleRate() + "/s");
        add(setup, "single-fixed-rate", QUERY_CONNECTIONS, options.singleRate(), 1,
                q.singleFixedRate(options.singleRate(), QUERY_CONNECTIONS, options.warmup(), options.queryDuration()));
        if (!setup.equals(Results.OWNER)) {
            log.accept("  status queries on " + setup + ": POST /api/v1/clients/status, " + StatusQueryBench.BATCH
                    + " ids, one request at a time");
            add(setup, "batch", 1, 0, StatusQueryBench.BATCH, q.batch(1, options.warmup(), options.queryDuration()));
        }
    }

    private void add(String setup, String name, int connections, int rate, int idsPerRequest,
                     StatusQueryBench.Phase p) {
        String load = MachineInfo.loadAverage();
        results.sampleLoad();
        Results.Query q = new Results.Query(name, connections, rate, p.seconds(), p.requests(), p.errors(),
                p.requestsPerSecond(), p.requestsPerSecond() * idsPerRequest, p.latency(), p.onlineSeen(),
                p.statusesSeen(), Double.NaN, Double.NaN, p.meanResponseBytes(), load, p.firstError());
        results.clusterQueries.add(new Results.ClusterQuery(setup, q));
        log.accept(String.format(Locale.ROOT, "    %,.0f req/s, p50 %s p99 %s p99.9 %s, %d errors%s",
                q.requestsPerSecond(), LatencyStats.format(q.latency().p50Us()), LatencyStats.format(q.latency().p99Us()),
                LatencyStats.format(q.latency().p999Us()), q.errors(),
                q.firstError() == null ? "" : " (first: " + q.firstError() + ")"));
    }

    /**
     * Connects {@code count} clients ({@code GID_bench@@@<prefix>-NNNNNN}) to {@code target} and keeps them
     * connected; answers their IDs. Throws if not all of them got a CONNACK.
     */
    private List<String> hold(InetSocketAddress target, String prefix, int count) throws InterruptedException {
        List<String> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(String.format(Locale.ROOT, "%s@@@%s-%06d", GROUP, prefix, i));
        }
        int before = generator.heldConnections();
        AtomicInteger next = new AtomicInteger();
        generator.start(List.of(target), null, Math.min(count, options.concurrency()), slot -> {
            int i = next.getAndIncrement();
            return i < count ? new MqttLoadGenerator.Attempt(ids.get(i), true) : null;
        });
        if (!generator.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("connecting " + count + " clients took more than 5 minutes");
        }
        int held = generator.heldConnections() - before;
        if (held < count) {
            throw new IllegalStateException("only " + held + " of " + count + " clients connected (first error: "
                    + generator.firstError() + ")");
        }
        return ids;
    }

    // ---- failover ------------------------------------------------------------------------------

    private Results.FailoverRound failover(Nodes nodes, int round) throws Exception {
        int victim = (round - 1) % NODES;
        int watcher = (victim + 1) % NODES;
        String killed = nodeName(victim);
        String watched = nodeName(watcher);
        log.accept(String.format(Locale.ROOT, "  failover round %d: %,d clients on %s, kill -9, offline events read "
                + "on %s", round, options.failoverClients(), killed, watched));
        List<String> ids = hold(mqtt(nodes.get(victim)), "fo" + round, options.failoverClients());
        FailoverTally tally = new FailoverTally(new LinkedHashSet<>(ids), killed);
        PulseMqProcess survivor = nodes.get(watcher);
        String error = null;
        double restartSeconds = Double.NaN;
        long onlineAfter = -1;
        try (SseListener sse = new SseListener("127.0.0.1", survivor.ports().http(), survivor.adminKey().id(),
                survivor.adminKey().secret(), "group=" + GROUP + "&types=tcpclean",
                json -> tally.accept(json, System.nanoTime()))) {
            long t0 = System.nanoTime();
            tally.killedAt(t0);
            if (!nodes.get(victim).kill()) {
                throw new IllegalStateException(killed + " still running 10 s after SIGKILL");
            }
            long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(FAILOVER_WAIT_MS);
            while (!tally.complete() && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(10);
            }
            if (!tally.complete()) {
                error = "not every client had its tcpclean within " + FAILOVER_WAIT_MS / 1000 + " s of the kill "
                        + "(first missing: " + tally.missing(3) + ")";
            }
            generator.closeHeld(5_000);
            long r0 = System.nanoTime();
            nodes.start(victim, "round" + round);
            restartSeconds = (System.nanoTime() - r0) / 1e9;
            TimeUnit.MILLISECONDS.sleep(GRACE_MS);
        }
        try {
            onlineAfter = new StatusQueryBench(survivor.ports().http(), survivor.adminKey().id(),
                    survivor.adminKey().secret(), ids).countOnline(ids);
        } catch (IOException e) {
            error = error == null ? "online check failed: " + e.getMessage() : error;
        }
        Results.FailoverRound r = tally.round(round, watched, onlineAfter, restartSeconds, MachineInfo.loadAverage(),
                error);
        log.accept(String.format(Locale.ROOT, "    last offline event %.2f s after the kill (first %.2f s); %,d "
                        + "events for %,d clients: %,d missing, %,d duplicated, %,d not server_crash of %s; %d still "
                        + "online; %s back in %.1f s%s", r.lastEventSeconds(), r.firstEventSeconds(), r.events(),
                r.clients(), r.missing(), r.duplicated(), r.wrongReason(), killed, r.onlineAfter(), killed,
                r.restartSeconds(), error == null ? "" : "; " + error));
        return r;
    }

    /** Removes the logs an earlier run kept, so that {@link #LOGS} holds this run's only. */
    private static void clearLogs() throws IOException {
        Path dir = LOGS.toAbsolutePath();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> old = Files.list(dir)) {
                for (Path p : old.toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** A broker's or a NATS server's own log (not the store's write-ahead logs beside them). */
    private static boolean processLog(Path p) {
        String name = p.getFileName().toString();
        return name.equals("pulsemq.log") || name.equals("nats.log");
    }

    /** Copies the processes' logs of the part's directories to {@link #LOGS} (names: the path, '/' as '-'). */
    private void keepLogs() {
        try {
            Path to = Files.createDirectories(LOGS.toAbsolutePath());
            try (Stream<Path> logs = Files.walk(work)) {
                for (Path log : logs.filter(ClusterBench::processLog).toList()) {
                    String rel = work.relativize(log).toString();
                    if (rel.startsWith("cluster-") || rel.startsWith("nats")) {
                        Files.copy(log, to.resolve(rel.replace('/', '-')),
                                StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            log.accept("  logs of the cluster part's processes: " + to);
        } catch (IOException e) {
            results.notes.add("The cluster part's logs could not be kept: " + e);
        }
    }

    // ---- processes -----------------------------------------------------------------------------

    /** {@code node-1}, {@code node-2}, ... */
    static String nodeName(int i) {
        return "node-" + (i + 1);
    }

    private static InetSocketAddress mqtt(PulseMqProcess p) {
        return new InetSocketAddress("127.0.0.1", p.ports().mqtt());
    }

    private Path dir(String name) throws IOException {
        return Files.createDirectories(work.resolve(name));
    }

    /** The three PulseMQ nodes on {@link NatsServers}; a node killed in a failover round is started again. */
    private final class Nodes implements AutoCloseable {
        private final NatsServers nats;
        private final PulseMqProcess[] nodes = new PulseMqProcess[NODES];

        Nodes(NatsServers nats) {
            this.nats = nats;
        }

        /** Starts node {@code i} in a fresh directory ({@code run} names it) and waits for its ports. */
        void start(int i, String run) throws IOException, InterruptedException {
            Map<String, String> env = Map.of(
                    "PULSEMQ_NODE", nodeName(i),
                    "PULSEMQ_CLUSTER_ENGINE", "nats",
                    "PULSEMQ_CLUSTER_NATS_SERVERS", nats.serversFor(i),
                    "PULSEMQ_CLUSTER_NATS_REPLICAS", Integer.toString(REPLICAS),
                    "PULSEMQ_CLUSTER_NODETIMEOUT", NODE_TIMEOUT_MS / 1000 + "s");
            nodes[i] = PulseMqProcess.start(jar, dir("cluster-" + nodeName(i) + "-" + run), List.of(), env, null);
        }

        PulseMqProcess get(int i) {
            return nodes[i];
        }

        List<Long> pids() {
            List<Long> out = new ArrayList<>();
            for (PulseMqProcess p : nodes) {
                out.add(p.pid());
            }
            out.addAll(nats.pids());
            return out;
        }

        @Override
        public void close() {
            for (PulseMqProcess p : nodes) {
                if (p != null) {
                    p.close();
                }
            }
        }
    }
}
