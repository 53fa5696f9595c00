package io.pulsemq.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BenchOptionsTest {

    @Test
    void parse_noArguments_fullRunWithReportInDocs() {
        BenchOptions o = BenchOptions.parse();

        assertThat(o.quick()).isFalse();
        assertThat(o.out()).isEqualTo(Path.of("docs", "benchmarks.md"));
        assertThat(o.jsonOut()).isEqualTo(Path.of("docs", "benchmarks.json"));
        assertThat(o.churnDuration()).isEqualTo(Duration.ofSeconds(20));
        assertThat(o.clients()).isEqualTo(100_000);
        assertThat(o.onlineClients()).isEqualTo(10_000);
        assertThat(o.skipChurn()).isFalse();
        assertThat(o.skipAmqp()).isFalse();
        assertThat(o.amqpDuration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.amqpWarmup()).isEqualTo(Duration.ofSeconds(15));
        assertThat(o.amqpBacklog()).isEqualTo(150_000);
    }

    @Test
    void parse_skipOptions_leavePartsOut() {
        BenchOptions o = BenchOptions.parse("--skip-churn", "--skip-amqp");

        assertThat(o.skipChurn()).isTrue();
        assertThat(o.skipAmqp()).isTrue();
        assertThat(o.skipQueries()).isFalse();
    }

    @Test
    void parse_quick_shortensPhasesUnlessGivenExplicitly() {
        BenchOptions o = BenchOptions.parse("--quick", "--duration", "7", "--out", "/tmp/r.md");

        assertThat(o.churnDuration()).isEqualTo(Duration.ofSeconds(7));
        assertThat(o.warmup()).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.churnWarmup()).isEqualTo(Duration.ofSeconds(3));
        assertThat(o.clients()).isEqualTo(10_000);
        assertThat(o.jsonOut()).isEqualTo(Path.of("/tmp/r.json"));
        assertThat(o.skipJmh()).isTrue();
        assertThat(o.amqpDuration()).isEqualTo(Duration.ofSeconds(3));
        assertThat(o.amqpWarmup()).isEqualTo(Duration.ofSeconds(3));
        assertThat(o.amqpBacklog()).isEqualTo(15_000);
    }

    @Test
    void parse_newParts_defaultsFromTheIssueAndQuickShortensThem() {
        BenchOptions full = BenchOptions.parse();
        BenchOptions quick = BenchOptions.parse("--quick");

        assertThat(full.pubsubRates()).containsExactly(10_000, 30_000);
        assertThat(full.churnWarmup()).isEqualTo(Duration.ofSeconds(20));
        assertThat(BenchOptions.parse("--churn-warmup", "9").churnWarmup()).isEqualTo(Duration.ofSeconds(9));
        assertThat(full.pubsubWindow()).isEqualTo(100);
        assertThat(full.idleConnections()).containsExactly(5_000, 19_000);
        assertThat(full.overloadDuration()).isEqualTo(Duration.ofSeconds(30));
        assertThat(quick.overloadDuration()).isEqualTo(Duration.ofSeconds(5));
        assertThat(quick.pubsubDuration()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void parse_newSkipsAndLists_areTaken() {
        BenchOptions o = BenchOptions.parse("--skip-hivemq", "--skip-pubsub", "--skip-overload", "--skip-idle",
                "--pubsub-rates", "5000", "--idle-connections", "100,200");

        assertThat(o.skipHivemq()).isTrue();
        assertThat(o.skipPubsub()).isTrue();
        assertThat(o.skipOverload()).isTrue();
        assertThat(o.skipIdle()).isTrue();
        assertThat(o.pubsubRates()).containsExactly(5_000);
        assertThat(o.idleConnections()).containsExactly(100, 200);
        assertThatThrownBy(() -> BenchOptions.parse("--idle-connections", "200,100"))
                .hasMessageContaining("ascending");
    }

    @Test
    void parse_jmh_passesTheRestToJmh() {
        BenchOptions o = BenchOptions.parse("--jmh", "-f", "2", "--quick");

        assertThat(o.jmhOnly()).isTrue();
        assertThat(o.jmhArgs()).containsExactly("-f", "2", "--quick");
    }

    @Test
    void parse_badValues_explainWhatIsWrong() {
        assertThatThrownBy(() -> BenchOptions.parse("--concurrency", "x")).hasMessageContaining("needs a number");
        assertThatThrownBy(() -> BenchOptions.parse("--online-percent", "101")).hasMessageContaining("between 0 and 100");
        assertThatThrownBy(() -> BenchOptions.parse("--out")).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> BenchOptions.parse("--frobnicate")).hasMessageContaining("unknown option");
    }

    @Test
    void parse_cluster_runsOnlyPart10AndWritesBesideTheFullReport() {
        BenchOptions o = BenchOptions.parse("--cluster");

        assertThat(o.clusterOnly()).isTrue();
        assertThat(o.skipCluster()).isFalse();
        assertThat(o.skipChurn() && o.skipQueries() && o.skipJmh() && o.skipAmqp() && o.skipPubsub()
                && o.skipOverload() && o.skipIdle() && o.skipTls() && o.skipAbuse() && o.skipMosquitto()
                && o.skipHivemq()).isTrue();
        assertThat(o.out()).isEqualTo(Path.of("target", "bench-cluster", "benchmarks.md"));
        assertThat(o.jsonOut()).isEqualTo(Path.of("target", "bench-cluster", "benchmarks.json"));
        assertThat(o.failoverRounds()).isEqualTo(3);
        assertThat(o.failoverClients()).isEqualTo(1000);
    }

    @Test
    void parse_clusterWithOut_writesWhereItIsTold() {
        assertThat(BenchOptions.parse("--out", "/tmp/c.md", "--cluster").out()).isEqualTo(Path.of("/tmp/c.md"));
    }

    @Test
    void parse_fullRun_includesTheClusterPartUnlessSkipped() {
        assertThat(BenchOptions.parse().skipCluster()).isFalse();
        assertThat(BenchOptions.parse().clusterOnly()).isFalse();
        assertThat(BenchOptions.parse("--skip-cluster").skipCluster()).isTrue();
        assertThat(BenchOptions.parse("--quick").failoverClients()).isEqualTo(200);
        assertThat(BenchOptions.parse("--failover-rounds", "5", "--failover-clients", "50").failoverRounds())
                .isEqualTo(5);
    }

    @Test
    void parse_clusterAndSkipCluster_refused() {
        assertThatThrownBy(() -> BenchOptions.parse("--cluster", "--skip-cluster"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exclude each other");
    }
}
