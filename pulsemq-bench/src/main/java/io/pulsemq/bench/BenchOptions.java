package io.pulsemq.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of {@code ./pulsemq bench}.
 *
 * @param quick           shorter phases and fewer registered clients (under a minute in all)
 * @param out             the Markdown report; the JSON results go next to it ({@code .json})
 * @param jmhOnly         run only the JMH micro-benchmarks (their results are printed, no report is written)
 * @param skipJmh         leave the micro-benchmarks out of the full run (always with --quick)
 * @param skipMosquitto   leave the Mosquitto comparison out
 * @param skipQueries     leave the status-query benchmark out
 * @param skipChurn       leave the connection churn (PulseMQ and Mosquitto) out
 * @param skipAmqp        leave the server SDK status-notification benchmark (part 4) out
 * @param skipHivemq      leave HiveMQ CE out of every comparison
 * @param skipPubsub      leave the publish/subscribe throughput and latency runs (part 5) out
 * @param skipOverload    leave the overload floods (part 6) out
 * @param skipIdle        leave the idle-connection memory measurement (part 7) out
 * @param skipTls         leave TLS and authorization (part 8) out
 * @param skipAbuse       leave the abuse floods (part 9) out
 * @param skipCluster     leave the cluster part (part 10) out
 * @param clusterOnly     run only the cluster part and its single-node baseline ({@code --cluster}); the report then
 *                        goes to {@link #CLUSTER_OUT} unless {@code --out} says otherwise, so that docs/benchmarks.md
 *                        keeps the full run's figures
 * @param brokerJar       the PulseMQ broker jar, or null to look for {@code pulsemq-broker/target/pulsemq-broker-*-all.jar}
 * @param churnDuration   measured time of each churn run
 * @param warmup          warm-up before each measured phase (not measured)
 * @param churnWarmup     warm-up before each churn run: long enough for a JVM broker's JIT to finish compiling its
 *                        connect path (a fresh JVM spends its first 10-20 s of churn partly compiling)
 * @param concurrency     connections in flight in the churn generator
 * @param generatorThreads event loop threads of the MQTT load generator
 * @param sourceAddresses how many loopback source addresses (127.0.0.1 ..) the generator spreads connections over
 * @param clients         distinct client IDs registered for the status queries
 * @param onlinePercent   percentage of those left connected during the queries
 * @param queryDuration   measured time of each query phase
 * @param singleRate      requests per second of the fixed-rate single-query phase
 * @param httpConnections concurrent keep-alive HTTP connections of the closed-loop query phases
 * @param amqpDuration    length of part 4's latency phase (devices connect at {@link #AMQP_RATE} per second)
 * @param amqpWarmup      part 4's unmeasured warm-up at the same rate: long enough for the fresh broker JVM's JIT to
 *                        stop competing for the cores (its C2 threads are still busy 5 s in)
 * @param amqpBacklog     status events part 4 queues up for one consumer group and then drains
 * @param pubsubDuration  measured time of each publish/subscribe run (after {@code warmup})
 * @param pubsubWindow    closed loop: messages each publisher may have sent but not yet delivered
 * @param pubsubRates     fixed offered rates (deliveries per second) of the latency runs
 * @param overloadDuration length of each flood of part 6
 * @param idleConnections steps of idle connections held open in part 7, ascending
 * @param failoverRounds  part 10: nodes killed with SIGKILL, one per round
 * @param failoverClients part 10: clients connected to the node killed in each round
 * @param jfr             record a JFR profile of each PulseMQ JVM (target/bench-jfr/) and summarise it in the report
 * @param jmhArgs         arguments passed to JMH as they are (with {@code --jmh})
 */
public record BenchOptions(
        boolean quick,
        Path out,
        boolean jmhOnly,
        boolean skipJmh,
        boolean skipMosquitto,
        boolean skipQueries,
        boolean skipChurn,
        boolean skipAmqp,
        boolean skipHivemq,
        boolean skipPubsub,
        boolean skipOverload,
        boolean skipIdle,
        boolean skipTls,
        boolean skipAbuse,
        boolean skipCluster,
        boolean clusterOnly,
        Path brokerJar,
        Duration churnDuration,
        Duration warmup,
        Duration churnWarmup,
        int concurrency,
        int generatorThreads,
        int sourceAddresses,
        int clients,
        int onlinePercent,
        Duration queryDuration,
        int singleRate,
        int httpConnections,
        Duration amqpDuration,
        Duration amqpWarmup,
        int amqpBacklog,
        Duration pubsubDuration,
        int pubsubWindow,
        List<Integer> pubsubRates,
        Duration overloadDuration,
        List<Integer> idleConnections,
        int failoverRounds,
        int failoverClients,
        boolean jfr,
        List<String> jmhArgs) {

    /** Device connects per second in part 4's latency phase: the rate the 5 ms p99 target is stated for. */
    public static final int AMQP_RATE = 1000;
    /** Where {@code --cluster} writes its report by default (its JSON beside it). */
    static final Path CLUSTER_OUT = Path.of("target", "bench-cluster", "benchmarks.md");

    static final String USAGE = String.join("\n",
            "Usage: ./pulsemq bench [--quick] [--out FILE] [options]",
            "       ./pulsemq bench --jmh [JMH options]   (only the JMH micro-benchmarks; e.g. -h for JMH's help)",
            "       ./pulsemq bench --cluster [options]   (only part 10, the cluster part, with its single-node baseline)",
            "",
            "Runs, in one go: connection churn against PulseMQ, Mosquitto and HiveMQ CE, status queries with 100,000",
            "registered clients, the JMH micro-benchmarks, server SDK (AMQP) status notifications, publish/subscribe",
            "throughput, loss and latency, overload floods and idle-connection memory (the last three against all",
            "three brokers), TLS, abuse floods, and PulseMQ in cluster mode (3 NATS servers, 3 nodes) beside a single",
            "node (part 10; needs nats-server: apt-get install -y nats-server); writes FILE (default docs/benchmarks.md), FILE's .json sibling and PNG plots next to it",
            "(bench-*.png). Mosquitto: apt-get install -y mosquitto; HiveMQ CE: resolved by ./pulsemq bench with",
            "Maven on first use. A missing broker is left out with a note.",
            "",
            "  --quick                 5 s churn, 10,000 registered clients, no JMH, 3 s of notifications, 2 s per",
            "                          publish/subscribe run, 5 s floods (about 12 minutes in all on 2 busy cores;",
            "                          the full run takes about 40)",
            "  --out FILE              Markdown report (default docs/benchmarks.md)",
            "  --broker-jar FILE       PulseMQ broker jar (default pulsemq-broker/target/pulsemq-broker-*-all.jar)",
            "  --duration SECONDS      measured time of each churn run (default 20, quick 5)",
            "  --warmup SECONDS        unmeasured warm-up before each phase (default 5, quick 1)",
            "  --churn-warmup SECONDS  unmeasured warm-up before each churn run, for the JVMs' JIT (default 20, quick 3)",
            "  --concurrency N         connections in flight (default 100)",
            "  --generator-threads N   load generator event loop threads (default 2: one per core)",
            "  --source-addresses N    loopback source addresses 127.0.0.1..N (default 8)",
            "  --clients N             client IDs registered for the queries (default 100000, quick 10000)",
            "  --online-percent P      share of them left connected (default 10)",
            "  --query-duration S      measured time of each query phase (default 10, quick 2)",
            "  --single-rate QPS       rate of the fixed-rate single-query phase (default 500, ApsaraMQ's limit)",
            "  --http-connections N    concurrent keep-alive HTTP connections (default 4)",
            "  --amqp-seconds S        part 4: devices connect at 1,000/s for S seconds per consumer (SDK, then SSE)",
            "                          (default 10, quick 3)",
            "  --amqp-warmup S         part 4: unmeasured warm-up at the same rate first (default 15, quick 3)",
            "  --amqp-backlog N        part 4: status events drained by one consumer group (default 150000, quick 15000)",
            "  --pubsub-seconds S      measured time of each publish/subscribe run (default 10, quick 2)",
            "  --pubsub-window N       closed loop: messages per publisher sent but not yet delivered (default 100)",
            "  --pubsub-rates R,R      fixed offered rates of the latency runs, deliveries/s (default 10000,30000)",
            "  --overload-seconds S    length of each flood (default 30, quick 5)",
            "  --idle-connections N,N  idle connections held open, in steps (default 5000,19000; at most the open-file",
            "                          limit, ulimit -n, less 1,000)",
            "  --skip-churn | --skip-mosquitto | --skip-hivemq | --skip-queries | --skip-jmh | --skip-amqp",
            "  --skip-pubsub | --skip-overload | --skip-idle | --skip-tls | --skip-abuse | --skip-cluster",
            "  --cluster               only part 10: a single node, then 3 nodes on 3 NATS servers: churn through the",
            "                          3 nodes, pub/sub from node A to node B, status queries on a node that does not",
            "                          own the clients, failover rounds (kill -9); about 6 minutes. Writes",
            "                          target/bench-cluster/benchmarks.md (and .json) unless --out is given",
            "  --failover-rounds N     part 10: nodes killed, one per round (default 3)",
            "  --failover-clients N    part 10: clients on the node killed in each round (default 1000, quick 200)",
            "  --no-jfr                do not profile PulseMQ (default: JFR's 'profile' settings, about 2% overhead,",
            "                          recordings in target/bench-jfr/, hottest methods in the report)",
            "  -h, --help");

    /** Parses {@code args}; throws {@link IllegalArgumentException} with a message for the user. */
    public static BenchOptions parse(String... args) {
        boolean quick = false;
        Path out = Path.of("docs", "benchmarks.md");
        boolean jmhOnly = false;
        boolean skipJmh = false;
        boolean skipMosquitto = false;
        boolean skipQueries = false;
        boolean skipChurn = false;
        boolean skipAmqp = false;
        boolean skipHivemq = false;
        boolean skipPubsub = false;
        boolean skipOverload = false;
        boolean skipIdle = false;
        boolean skipTls = false;
        boolean skipAbuse = false;
        boolean skipCluster = false;
        boolean clusterOnly = false;
        int failoverRounds = 3;
        Integer failoverClients = null;
        Path explicitOut = null;
        Integer pubsubSeconds = null;
        int pubsubWindow = 100;
        List<Integer> pubsubRates = List.of(10_000, 30_000);
        Integer overloadSeconds = null;
        List<Integer> idleConnections = List.of(5_000, 19_000);
        Integer amqpSeconds = null;
        Integer amqpWarmup = null;
        Integer amqpBacklog = null;
        boolean jfr = true;
        Path brokerJar = null;
        Integer duration = null;
        Integer warmup = null;
        Integer churnWarmup = null;
        int concurrency = 100;
        int generatorThreads = 2;
        int sources = 8;
        Integer clients = null;
        int onlinePercent = 10;
        Integer queryDuration = null;
        int singleRate = 500;
        int httpConnections = 4;
        List<String> jmhArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (jmhOnly) {
                jmhArgs.add(a);
                continue;
            }
            switch (a) {
                case "--quick" -> quick = true;
                case "--jmh" -> jmhOnly = true;
                case "--skip-jmh" -> skipJmh = true;
                case "--skip-mosquitto" -> skipMosquitto = true;
                case "--skip-queries" -> skipQueries = true;
                case "--skip-churn" -> skipChurn = true;
                case "--skip-amqp" -> skipAmqp = true;
                case "--skip-hivemq" -> skipHivemq = true;
                case "--skip-pubsub" -> skipPubsub = true;
                case "--skip-overload" -> skipOverload = true;
                case "--skip-idle" -> skipIdle = true;
                case "--skip-tls" -> skipTls = true;
                case "--skip-abuse" -> skipAbuse = true;
                case "--skip-cluster" -> skipCluster = true;
                case "--cluster" -> clusterOnly = true;
                case "--failover-rounds" -> failoverRounds = range(args, ++i, a, 1, 100);
                case "--failover-clients" -> failoverClients = range(args, ++i, a, 1, 100_000);
                case "--pubsub-seconds" -> pubsubSeconds = positive(args, ++i, a);
                case "--pubsub-window" -> pubsubWindow = range(args, ++i, a, 1, 10_000);
                case "--pubsub-rates" -> pubsubRates = list(args, ++i, a, 1_000_000);
                case "--overload-seconds" -> overloadSeconds = positive(args, ++i, a);
                case "--idle-connections" -> idleConnections = ascending(list(args, ++i, a, 1_000_000), a);
                case "--amqp-seconds" -> amqpSeconds = positive(args, ++i, a);
                case "--amqp-warmup" -> amqpWarmup = nonNegative(args, ++i, a);
                case "--amqp-backlog" -> amqpBacklog = range(args, ++i, a, 3, 3_000_000);
                case "--no-jfr" -> jfr = false;
                case "--out" -> explicitOut = Path.of(value(args, ++i, a));
                case "--broker-jar" -> brokerJar = Path.of(value(args, ++i, a));
                case "--duration" -> duration = positive(args, ++i, a);
                case "--warmup" -> warmup = nonNegative(args, ++i, a);
                case "--churn-warmup" -> churnWarmup = nonNegative(args, ++i, a);
                case "--concurrency" -> concurrency = positive(args, ++i, a);
                case "--generator-threads" -> generatorThreads = positive(args, ++i, a);
                case "--source-addresses" -> sources = range(args, ++i, a, 1, 254);
                case "--clients" -> clients = positive(args, ++i, a);
                case "--online-percent" -> onlinePercent = range(args, ++i, a, 0, 100);
                case "--query-duration" -> queryDuration = positive(args, ++i, a);
                case "--single-rate" -> singleRate = positive(args, ++i, a);
                case "--http-connections" -> httpConnections = positive(args, ++i, a);
                case "-h", "--help" -> throw new HelpRequested();
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        if (concurrency > 1000) {
            throw new IllegalArgumentException("--concurrency is at most 1000");
        }
        if (clusterOnly && skipCluster) {
            throw new IllegalArgumentException("--cluster and --skip-cluster exclude each other");
        }
        if (explicitOut != null) {
            out = explicitOut;
        } else if (clusterOnly) {
            out = CLUSTER_OUT;
        }
        // --cluster: every other part is left out (its baseline is part of part 10).
        boolean others = clusterOnly;
        return new BenchOptions(quick, out, jmhOnly, skipJmh || quick || others, skipMosquitto || others,
                skipQueries || others, skipChurn || others, skipAmqp || others, skipHivemq || others,
                skipPubsub || others, skipOverload || others, skipIdle || others, skipTls || others,
                skipAbuse || others, skipCluster, clusterOnly, brokerJar,
                Duration.ofSeconds(duration != null ? duration : quick ? 5 : 20),
                Duration.ofSeconds(warmup != null ? warmup : quick ? 1 : 5),
                Duration.ofSeconds(churnWarmup != null ? churnWarmup : quick ? 3 : 20),
                concurrency, generatorThreads, sources,
                clients != null ? clients : quick ? 10_000 : 100_000, onlinePercent,
                Duration.ofSeconds(queryDuration != null ? queryDuration : quick ? 2 : 10),
                singleRate, httpConnections,
                Duration.ofSeconds(amqpSeconds != null ? amqpSeconds : quick ? 3 : 10),
                Duration.ofSeconds(amqpWarmup != null ? amqpWarmup : quick ? 3 : 15),
                amqpBacklog != null ? amqpBacklog : quick ? 15_000 : 150_000,
                Duration.ofSeconds(pubsubSeconds != null ? pubsubSeconds : quick ? 2 : 10), pubsubWindow, pubsubRates,
                Duration.ofSeconds(overloadSeconds != null ? overloadSeconds : quick ? 5 : 30), idleConnections,
                failoverRounds, failoverClients != null ? failoverClients : quick ? 200 : 1000,
                jfr, List.copyOf(jmhArgs));
    }

    /** The JSON results file: the report's name with {@code .json}. */
    public Path jsonOut() {
        String name = out.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return out.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".json");
    }

    /** How many of the registered clients stay connected. */
    public int onlineClients() {
        return (int) ((long) clients * onlinePercent / 100);
    }

    /** Thrown by {@link #parse} for {@code --help}. */
    static final class HelpRequested extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HelpRequested() {
            super("help", null, false, false);
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    /** A comma-separated list of numbers from 1 to {@code max}. */
    private static List<Integer> list(String[] args, int i, String option, int max) {
        String v = value(args, i, option);
        List<Integer> out = new ArrayList<>();
        for (String part : v.split(",")) {
            out.add(range(new String[] {part.trim()}, 0, option, 1, max));
        }
        return List.copyOf(out);
    }

    private static List<Integer> ascending(List<Integer> values, String option) {
        for (int i = 1; i < values.size(); i++) {
            if (values.get(i) <= values.get(i - 1)) {
                throw new IllegalArgumentException(option + " needs ascending numbers, not " + values);
            }
        }
        return values;
    }

    private static int positive(String[] args, int i, String option) {
        return range(args, i, option, 1, Integer.MAX_VALUE);
    }

    private static int nonNegative(String[] args, int i, String option) {
        return range(args, i, option, 0, Integer.MAX_VALUE);
    }

    private static int range(String[] args, int i, String option, int min, int max) {
        String v = value(args, i, option);
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number, not '" + v + "'");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(option + " must be between " + min + " and " + max + ", not " + n);
        }
        return n;
    }
}
