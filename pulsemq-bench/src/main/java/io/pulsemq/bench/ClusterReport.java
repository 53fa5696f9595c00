package io.pulsemq.bench;

import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Renders part 10 (cluster mode beside a single node) for {@link MarkdownReport}: setup, the four workloads, and
 * the targets (recorded, never asserted).
 */
final class ClusterReport {

    /** Cross-node pub/sub: at least half the single node's closed-loop throughput. */
    static final double TARGET_PUBSUB_RATIO = 0.5;
    /** A status query on a node that does not own the client: p99 at most 2 ms. */
    static final double TARGET_QUERY_P99_US = 2_000;
    /** Failover: the last offline event visible at most this long after {@code cluster.nodeTimeout}. */
    static final double TARGET_FAILOVER_SLACK_SECONDS = 1.0;

    private final Results r;
    private final Consumer<String> out;

    ClusterReport(Results r, Consumer<String> out) {
        this.r = r;
        this.out = out;
    }

    void render() {
        line("## 10. Cluster");
        line();
        Results.ClusterSetup c = r.clusterSetup;
        if (c == null || (r.clusterChurn.isEmpty() && r.clusterPubsub.isEmpty() && r.failover.isEmpty())) {
            line("Status: " + r.clusterStatus + ".");
            line();
            return;
        }
        line(fmt("PulseMQ in cluster mode (`cluster.engine: nats`) beside a single PulseMQ node, same workloads, same "
                + "run. Cluster: %d %s servers with JetStream, clustered on loopback (own store directories), and %d "
                + "PulseMQ nodes (each its own JVM, `cluster.nats.servers` listing every server with a different first "
                + "one per node, `cluster.nats.replicas: %d`, `cluster.nodeTimeout: %s`): every status event is "
                + "acknowledged by a majority of the three JetStream replicas before its CONNACK. Single node: a fresh "
                + "PulseMQ on its embedded store (every event fsynced). All processes and the bench share the "
                + "machine's %d cores, so the cluster's figures pay for 6 server processes on them, where a production "
                + "cluster has a machine per node. Nodes A and B are profiled with JFR during the cross-node pub/sub "
                + "workloads (see the profiles; `--no-jfr` leaves it out). Status: %s.", c.natsServers(),
                c.natsVersion(), c.nodes(), c.replicas(), seconds(c.nodeTimeoutMs()), r.machine.cores(),
                r.clusterStatus));
        line();
        churn();
        pubsub();
        queries();
        failover();
        targets();
    }

    private void churn() {
        if (r.clusterChurn.isEmpty()) {
            return;
        }
        line(fmt("**Durable connect churn**: part 1's churn (%d connections in flight, %d s warm-up, %d s measured); "
                + "on the cluster the generator's slots are spread over the three nodes (a client ID stays on one "
                + "node). CPU is every process of the setup (cluster: 3 nodes and 3 NATS servers).",
                r.options.concurrency(), r.options.churnWarmup().toSeconds(), r.options.churnDuration().toSeconds()));
        line();
        line("| setup | connects/s | CONNACK p50 | p99 | p99.9 | errors | server CPU (cores) | server CPU per connect | load avg after |");
        line("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        for (Results.Churn x : r.clusterChurn) {
            line("| " + x.broker() + " | " + fmt("%,.0f", x.connectsPerSecond()) + " | "
                    + LatencyStats.format(x.connackLatency().p50Us()) + " | "
                    + LatencyStats.format(x.connackLatency().p99Us()) + " | "
                    + LatencyStats.format(x.connackLatency().p999Us()) + " | " + x.counts().errors() + " | "
                    + fmt("%.2f", x.brokerCpuCores()) + " | " + fmt("%,.0f µs", x.brokerCpuMicrosPerConnect()) + " | "
                    + x.loadAverage() + " |");
        }
        line();
        double ratio = churnRatio();
        if (!Double.isNaN(ratio)) {
            line(fmt("3 nodes / single node: **%.2fx** the connects per second.", ratio));
            line();
        }
    }

    private void pubsub() {
        List<String> scenarios = r.clusterScenarios();
        if (scenarios.isEmpty()) {
            return;
        }
        int rate = r.options.pubsubRates().get(0);
        line(fmt("**Cross-node publish/subscribe**: part 5's clients, %d publishers on node A and 1 subscriber on node "
                + "B (every message crosses from A to B over NATS); on the single node both on it. Before each run a "
                + "probe waits until a message published on A reaches a subscriber on B, so the run measures the "
                + "route, not its setup. Closed loop (window %d) for throughput, then %,d msgs/s offered for latency "
                + "(from the scheduled send).", PubSubBench.MANY, r.options.pubsubWindow(), rate));
        line();
        line("| workload | single node msgs/s | 3 nodes A->B msgs/s | ratio | single p50 / p99 at " + fmt("%,d", rate)
                + "/s | 3 nodes p50 / p99 at " + fmt("%,d", rate) + "/s | undelivered (single / 3 nodes) |");
        line("|---|---:|---:|---:|---:|---:|---:|");
        for (String s : scenarios) {
            Results.PubSub single = r.clusterPubsubOf(Results.SINGLE, s, 0);
            Results.PubSub cluster = r.clusterPubsubOf(Results.CLUSTER, s, 0);
            Results.PubSub singleRate = r.clusterPubsubOf(Results.SINGLE, s, rate);
            Results.PubSub clusterRate = r.clusterPubsubOf(Results.CLUSTER, s, rate);
            line("| " + s + " | " + rate(single) + " | " + rate(cluster) + " | " + ratioText(pubsubRatio(s)) + " | "
                    + latency(singleRate, rate) + " | " + latency(clusterRate, rate) + " | "
                    + lost(single, singleRate) + " / " + lost(cluster, clusterRate) + " |");
        }
        line();
    }

    private void queries() {
        if (r.clusterQueries.isEmpty()) {
            return;
        }
        line(fmt("**Status queries**: %,d clients connected to node A (on the single node: to it); part 2's "
                + "queries on node B, which does not own them (before it answers, a node reads the stream's last "
                + "sequence and waits until its mirror applied it), on node A, and on the single node: "
                + "`GET /api/v1/clients/{id}` at a fixed %,d/s over 8 connections (latency from the scheduled start), "
                + "and `POST /api/v1/clients/status` with 1,000 ids, one request at a time. %d s warm-up, %d s "
                + "measured each.", r.clusterSetup.queryClients(), r.options.singleRate(),
                r.options.warmup().toSeconds(), r.options.queryDuration().toSeconds()));
        line();
        line("| node asked | query | requests/s | p50 | p99 | p99.9 | errors | load avg after |");
        line("|---|---|---:|---:|---:|---:|---:|---|");
        for (Results.ClusterQuery q : r.clusterQueries) {
            Results.Query x = q.query();
            String what = x.name().equals("batch") ? "batch, 1,000 ids" : fmt("single at %,d/s", x.targetRate());
            line("| " + q.setup() + " | " + what + " | " + fmt("%,.0f", x.requestsPerSecond()) + " | "
                    + LatencyStats.format(x.latency().p50Us()) + " | " + LatencyStats.format(x.latency().p99Us())
                    + " | " + LatencyStats.format(x.latency().p999Us()) + " | " + x.errors() + " | " + x.loadAverage()
                    + " |");
        }
        line();
    }

    private void failover() {
        if (r.failover.isEmpty()) {
            return;
        }
        line(fmt("**Failover**: per round %,d clients connected to one node (a different one each round), that node "
                + "killed with SIGKILL, and the survivors' `tcpclean` events for those clients read on the next "
                + "node's SSE stream (`/api/v1/status/events?types=tcpclean`). **Failover time** is the kill to the "
                + "arrival of the last client's first `tcpclean`; each client must get exactly one, with reason "
                + "`server_crash` and `node` = the killed node. The killed node is then started again (same name, "
                + "fresh data directory) with the stream still read, and %d s more, so an end logged twice would "
                + "show; last, a batch status query on the survivor counts those clients still online.",
                r.clusterSetup.failoverClients(), ClusterBench.GRACE_MS / 1000));
        line();
        line("| round | killed | read on | clients | tcpclean events | missing | duplicated | not server_crash of it "
                + "| first event | failover time | still online after | restart | load avg after |");
        line("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        for (Results.FailoverRound f : r.failover) {
            line("| " + f.round() + " | " + f.killedNode() + " | " + f.watchedOn() + " | " + fmt("%,d", f.clients())
                    + " | " + fmt("%,d", f.events()) + " | " + f.missing() + " | " + f.duplicated() + " | "
                    + f.wrongReason() + " | " + secondsText(f.firstEventSeconds()) + " | "
                    + secondsText(f.lastEventSeconds()) + " | " + (f.onlineAfter() < 0 ? "-" : f.onlineAfter())
                    + " | " + secondsText(f.restartSeconds()) + " | " + f.loadAverage() + " |");
            if (f.error() != null) {
                line("|  | " + f.error() + " | | | | | | | | | | | |");
            }
        }
        line();
    }

    private void targets() {
        line("Targets of this part (issue 14), recorded, never asserted:");
        line();
        line("| target | measured | result |");
        line("|---|---|---|");
        if (!r.failover.isEmpty()) {
            long bad = r.failover.stream().filter(f -> !f.exact()).count();
            long missing = r.failover.stream().mapToLong(Results.FailoverRound::missing).sum();
            long dup = r.failover.stream().mapToLong(Results.FailoverRound::duplicated).sum();
            line(fmt("| 0 missing or duplicated offline events in every failover round | %d round(s): %d missing, %d "
                    + "duplicated, %d not `server_crash` of the killed node | %s |", r.failover.size(), missing, dup,
                    r.failover.stream().mapToLong(Results.FailoverRound::wrongReason).sum(),
                    verdict(bad == 0, bad + " of " + r.failover.size() + " rounds")));
            double limit = r.clusterSetup.nodeTimeoutMs() / 1000.0 + TARGET_FAILOVER_SLACK_SECONDS;
            double worst = worstFailoverSeconds();
            line(fmt("| failover <= nodeTimeout + 1 s (%s) | %s (worst of %d round(s): %s) | %s |", secondsText(limit),
                    secondsText(worst), r.failover.size(), String.join(", ", r.failover.stream()
                            .map(f -> secondsText(f.lastEventSeconds())).toList()),
                    verdict(!Double.isNaN(worst) && worst <= limit, secondsText(worst - limit) + " over")));
        }
        Results.Query q = r.clusterQueryOf(Results.NON_OWNER, "single-fixed-rate");
        if (q != null) {
            line("| a query on a non-owner node: p99 <= 2 ms | " + LatencyStats.format(q.latency().p99Us())
                    + fmt(" at %,d/s", q.targetRate()) + (q.errors() > 0 ? fmt(", %d errors", q.errors()) : "") + " | "
                    + verdict(q.latency().p99Us() <= TARGET_QUERY_P99_US && q.errors() == 0,
                    fmt("%.1fx", q.latency().p99Us() / TARGET_QUERY_P99_US)) + " |");
        }
        for (String s : r.clusterScenarios()) {
            double ratio = pubsubRatio(s);
            if (Double.isNaN(ratio)) {
                continue;
            }
            Results.PubSub cluster = r.clusterPubsubOf(Results.CLUSTER, s, 0);
            boolean lossOk = cluster.qos() == 0 || cluster.lost() == 0;
            line("| cross-node pub/sub " + s + " >= 50% of the single node" + (cluster.qos() == 1
                    ? ", nothing undelivered" : "") + " | " + fmt("%.0f%% (%,.0f vs %,.0f msgs/s)", ratio * 100,
                    cluster.deliveredPerSecond(), r.clusterPubsubOf(Results.SINGLE, s, 0).deliveredPerSecond())
                    + (cluster.qos() == 1 ? fmt(", %,d undelivered", cluster.lost()) : "") + " | "
                    + verdict(ratio >= TARGET_PUBSUB_RATIO && lossOk, ratio < TARGET_PUBSUB_RATIO
                    ? fmt("%.0f%% short", (TARGET_PUBSUB_RATIO - ratio) * 100) : "QoS 1 undelivered") + " |");
        }
        line();
    }

    /** The cluster's churn over the single node's, or NaN. */
    double churnRatio() {
        Results.Churn cluster = r.clusterChurnOf(Results.CLUSTER);
        Results.Churn single = r.clusterChurnOf(Results.SINGLE);
        return cluster == null || single == null || single.connectsPerSecond() <= 0 ? Double.NaN
                : cluster.connectsPerSecond() / single.connectsPerSecond();
    }

    /** Closed-loop msgs/s of {@code scenario}, 3 nodes over the single node, or NaN. */
    double pubsubRatio(String scenario) {
        Results.PubSub cluster = r.clusterPubsubOf(Results.CLUSTER, scenario, 0);
        Results.PubSub single = r.clusterPubsubOf(Results.SINGLE, scenario, 0);
        return cluster == null || single == null || single.deliveredPerSecond() <= 0 ? Double.NaN
                : cluster.deliveredPerSecond() / single.deliveredPerSecond();
    }

    /** The longest failover time of the rounds; NaN if a round never completed (or none ran). */
    double worstFailoverSeconds() {
        double worst = Double.NaN;
        for (Results.FailoverRound f : r.failover) {
            if (f.missing() > 0 || Double.isNaN(f.lastEventSeconds())) {
                return Double.NaN;
            }
            worst = Double.isNaN(worst) ? f.lastEventSeconds() : Math.max(worst, f.lastEventSeconds());
        }
        return worst;
    }

    private static String latency(Results.PubSub p, int rate) {
        if (p == null) {
            return "-";
        }
        return LatencyStats.format(p.latency().p50Us()) + " / " + LatencyStats.format(p.latency().p99Us())
                + (p.deliveredPerSecond() >= 0.95 * rate ? "" : fmt(" (not sustained: %,.0f/s)", p.deliveredPerSecond()));
    }

    private static String lost(Results.PubSub closed, Results.PubSub fixed) {
        long n = (closed == null ? 0 : closed.lost()) + (fixed == null ? 0 : fixed.lost());
        return closed == null && fixed == null ? "-" : fmt("%,d", n);
    }

    private static String rate(Results.PubSub p) {
        return p == null ? "-" : fmt("%,.0f", p.deliveredPerSecond());
    }

    private static String ratioText(double x) {
        return Double.isNaN(x) ? "-" : fmt("%.2fx", x);
    }

    private static String seconds(long ms) {
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    private static String secondsText(double s) {
        return Double.isNaN(s) ? "-" : fmt("%.2f s", s);
    }

    private static String verdict(boolean met, String shortBy) {
        return met ? "**met**" : "**missed** (" + shortBy + ")";
    }

    private void line(String s) {
        out.accept(s);
    }

    private void line() {
        out.accept("");
    }

    private static String fmt(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }
}
