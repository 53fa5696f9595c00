package io.pulsemq.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MarkdownReportTest {

    private static Results results() {
        Results r = new Results();
        r.date = "2026-11-26T00:00:00Z";
        r.command = "./pulsemq bench --quick";
        r.machine = new MachineInfo("test CPU", 2, 4.0, "Linux", "Java 17", "ext4");
        r.options = BenchOptions.parse("--quick");
        r.pulsemqJar = "pulsemq-broker-0.1.0-all.jar";
        return r;
    }

    private static Results.PubSub closedLoop(String broker, int qos, double perSecond, long lost) {
        return new Results.PubSub(broker, "1", "10->1 QoS " + qos + " 64 B", 10, 1, qos, 64, "closed-loop", 0, 2,
                perSecond, LatencyStats.EMPTY, 1000, lost, 0, 0, 0, 1, 1);
    }

    @Test
    void pubsubRatio_comparesWithTheFasterOfThePeers() {
        Results r = results();
        r.pubsub.add(closedLoop("PulseMQ", 1, 90_000, 0));
        r.pubsub.add(closedLoop("Mosquitto", 1, 100_000, 0));
        r.pubsub.add(closedLoop("HiveMQ CE", 1, 50_000, 0));

        assertThat(r.pubsubRatio("10->1 QoS 1 64 B")).isEqualTo(0.9);
        assertThat(r.fasterPeer("10->1 QoS 1 64 B").broker()).isEqualTo("Mosquitto");
    }

    @Test
    void render_pubsubFasterButLosingAtQos1_targetMissedForTheLoss() {
        Results r = results();
        r.pubsub.add(closedLoop("PulseMQ", 1, 120_000, 5));
        r.pubsub.add(closedLoop("Mosquitto", 1, 100_000, 0));

        String md = new MarkdownReport(r).render();

        assertThat(md).contains("## 5. Publish/subscribe")
                .contains("| 10->1 QoS 1 64 B | 120,000 | 100,000 | 1.20x | 5 / 0 | **missed** (QoS 1 undelivered) |")
                .contains("## Targets");
    }

    @Test
    void render_idle_perConnectionAgainstTheTargetAndExtrapolated() {
        Results r = results();
        // 10,000 connections grew RSS by 80,000 KiB and the heap by 30,000 KiB: 8 and 3 KiB each.
        r.idle.add(new Results.Idle("PulseMQ", "1", 10_000, 10_000, 100_000, 180_000, 20_000, 50_000));

        String md = new MarkdownReport(r).render();

        assertThat(md).contains("| PulseMQ | 10,000 | 98 MiB | 176 MiB | 8.0 KiB | 20 MiB | 49 MiB | 3.0 KiB |")
                .contains("8.0 KiB at 10,000 connections (heap after GC: 3.0 KiB) | **met** |")
                .contains("Extrapolated (linear in the largest measured step, not measured): PulseMQ 100,000 "
                        + "connections 879 MiB");
    }

    @Test
    void render_overloadBrokerDied_saysNotNormal() {
        Results r = results();
        r.overload.add(new Results.Overload("PulseMQ", "1", "10->1 QoS 0 1 KB", 5, 50_000, 250_000, 10_000, 240_000,
                2_000, 100_000, 4_000_000, false, false, 0, -1, "the broker process exited"));

        String md = new MarkdownReport(r).render();

        assertThat(md).contains("**not normal**: the broker process exited")
                .contains("did NOT serve normally after a flood");
    }

    private static Results.Churn churn(String broker, double perSecond, double brokerCores) {
        return new Results.Churn(broker, "1", 100, 20, perSecond, perSecond, LatencyStats.EMPTY,
                new MqttLoadGenerator.Counts((long) perSecond * 20, 0, 0, 0, 0, 0), brokerCores, 1, 0, 0, 0, "1", null);
    }

    @Test
    void render_tls_handshakeCostIsTlsLessPlainPerConnect_rulesBelowTheSlowestRunWithoutMissTheTarget() {
        Results r = results();
        r.tlsChurn.add(new Results.TlsChurn(TlsPart.PLAIN, churn("PulseMQ", 10_000, 1.0)));
        r.tlsChurn.add(new Results.TlsChurn(TlsPart.TLS13, churn("PulseMQ", 2_000, 1.0)));
        r.tlsPubsub.add(new Results.TlsPubSub(TlsPart.PLAIN, closedLoop("PulseMQ", 0, 100_000, 0)));
        r.tlsPubsub.add(new Results.TlsPubSub(TlsPart.TLS13, closedLoop("PulseMQ", 0, 80_000, 0)));
        r.tlsPubsub.add(new Results.TlsPubSub(TlsPart.PLAIN_AGAIN, closedLoop("PulseMQ", 0, 96_000, 0)));
        r.tlsPubsub.add(new Results.TlsPubSub(TlsPart.TLS13, closedLoop("Mosquitto", 0, 40_000, 0)));
        r.tlsPubsub.add(new Results.TlsPubSub(BenchMain.RULES_SETUP, closedLoop("PulseMQ", 0, 90_000, 0)));

        String md = new MarkdownReport(r).render();

        // 1.0 core / 2,000 per s = 500 µs per TLS connect; 100 µs per plain connect.
        assertThat(md).contains("| full TLS 1.3 handshake < 1 ms of broker CPU (PulseMQ) | 400 µs | **met** |");
        assertThat(md).contains("| TLS pub/sub 10->1 QoS 0 64 B: >= 1.0x Mosquitto with TLS | 2.00x");
        // 80,000 against the mean of 100,000 and 96,000.
        assertThat(md).contains("| TLS costs PulseMQ <= 30% of its plain throughput, 10->1 QoS 0 64 B | 18%");
        assertThat(md).contains("| 100 rules within the run-to-run spread, 10->1 QoS 0 64 B | 90,000 msgs/s with "
                + "rules; 100,000 / 96,000 without | **missed** (6% below the slowest run without) |");
    }

    private static Results clusterResults(double failoverSeconds, long duplicated, double nonOwnerP99Us,
                                          double clusterQos1) {
        Results r = results();
        r.clusterStatus = "measured";
        r.clusterSetup = new Results.ClusterSetup("nats-server: v2.9.10", 3, 3, 3, 5_000, 1_000, 200);
        r.clusterChurn.add(churn("PulseMQ (" + Results.SINGLE + ")", 1_000, 1));
        r.clusterChurn.add(churn("PulseMQ (" + Results.CLUSTER + ")", 400, 2));
        r.clusterPubsub.add(new Results.ClusterPubSub(Results.SINGLE, closedLoop("PulseMQ (single node)", 1, 40_000, 0)));
        r.clusterPubsub.add(new Results.ClusterPubSub(Results.CLUSTER, closedLoop("PulseMQ (3 nodes)", 1, clusterQos1, 0)));
        Results.Query q = new Results.Query("single-fixed-rate", 8, 500, 2, 1000, 0, 500, 500,
                new LatencyStats(1000, 900, 800, nonOwnerP99Us, nonOwnerP99Us, nonOwnerP99Us), 0, 0, Double.NaN,
                Double.NaN, 0, "1", null);
        r.clusterQueries.add(new Results.ClusterQuery(Results.NON_OWNER, q));
        r.failover.add(new Results.FailoverRound(1, "node-1", "node-2", 200, 200 + duplicated, 0, duplicated, 0, 5.0,
                failoverSeconds, 0, 6.0, "1", null));
        return r;
    }

    @Test
    void render_cluster_ratiosAndTargetsMet() {
        String md = new MarkdownReport(clusterResults(5.2, 0, 1_500, 30_000)).render();

        assertThat(md).contains("## 10. Cluster")
                .contains("3 nodes / single node: **0.40x** the connects per second.")
                .contains("| 10->1 QoS 1 64 B | 40,000 | 30,000 | 0.75x |")
                .contains("| 0 missing or duplicated offline events in every failover round | 1 round(s): 0 missing, "
                        + "0 duplicated, 0 not `server_crash` of the killed node | **met** |")
                .contains("| failover <= nodeTimeout + 1 s (6.00 s) | 5.20 s (worst of 1 round(s): 5.20 s) | **met** |")
                .contains("| a query on a non-owner node: p99 <= 2 ms | 1.5 ms at 500/s | **met** |")
                .contains("75% (30,000 vs 40,000 msgs/s), 0 undelivered | **met** |");
    }

    @Test
    void render_cluster_slowFailoverDuplicateSlowQueryAndSlowRoute_eachTargetMissed() {
        String md = new MarkdownReport(clusterResults(7.5, 1, 3_000, 10_000)).render();

        assertThat(md).contains("1 duplicated, 0 not `server_crash` of the killed node | "
                        + "**missed** (1 of 1 rounds) |")
                .contains("| failover <= nodeTimeout + 1 s (6.00 s) | 7.50 s (worst of 1 round(s): 7.50 s) | "
                        + "**missed** (1.50 s over) |")
                .contains("| 3.0 ms at 500/s | **missed** (1.5x) |")
                .contains("25% (10,000 vs 40,000 msgs/s), 0 undelivered | **missed** (25% short) |");
    }

    @Test
    void render_clusterNotRun_saysWhy() {
        Results r = results();
        r.clusterStatus = "skipped by --skip-cluster";

        assertThat(new MarkdownReport(r).render()).contains("## 10. Cluster\n\nStatus: skipped by --skip-cluster.");
    }
}
