package io.pulsemq.bench;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one run measured; written as {@code benchmarks.json} (Jackson serialises the records) and rendered
 * as Markdown by {@link MarkdownReport}.
 */
public final class Results {

    /**
     * One connection churn run.
     *
     * @param broker            "PulseMQ" or "Mosquitto"
     * @param version           the broker's version
     * @param concurrency       connections in flight
     * @param seconds           measured time (after the warm-up)
     * @param connectsPerSecond CONNACKs received per second
     * @param cyclesPerSecond   full CONNECT..close cycles per second
     * @param connackLatency    CONNECT written to CONNACK read
     * @param counts            counts in the measured time
     * @param brokerCpuCores    CPU used by the broker process during the measurement (1.0 = one core busy)
     * @param generatorCpuCores CPU used by the bench JVM (the load generator) during the measurement
     * @param loadAverage       load average right after the measurement
     * @param firstError        the first error seen, or null
     */
    public record Churn(String broker, String version, int concurrency, double seconds, double connectsPerSecond,
                        double cyclesPerSecond, LatencyStats connackLatency, MqttLoadGenerator.Counts counts,
                        double brokerCpuCores, double generatorCpuCores, double machineUserMicrosPerConnect,
                        double machineKernelMicrosPerConnect, double machineIdleCores, String loadAverage,
                        String firstError) {

        /** Broker CPU time per accepted connect, in microseconds: how much work one connect costs the broker. */
        public double brokerCpuMicrosPerConnect() {
            return connectsPerSecond > 0 ? brokerCpuCores / connectsPerSecond * 1e6 : 0;
        }
    }

    /**
     * Registering the clients of the query benchmark by churning them through connect (and disconnect).
     *
     * @param clients           distinct client IDs
     * @param keptOnline        of which left connected
     * @param seconds           time it took
     * @param connectsPerSecond their rate
     * @param errors            failed attempts
     * @param knownByBroker     clients the broker reports as known afterwards (from /metrics), or -1
     * @param onlineByBroker    clients the broker reports online afterwards (from /metrics), or -1
     */
    public record Registration(int clients, int keptOnline, double seconds, double connectsPerSecond, long errors,
                               long knownByBroker, long onlineByBroker) {
    }

    /**
     * One HTTP query phase.
     *
     * @param name              what it is
     * @param connections       concurrent connections (closed loop), or 0 for the fixed-rate phase
     * @param targetRate        requests per second scheduled (fixed rate), or 0
     * @param seconds           measured time
     * @param requests          successful requests
     * @param errors            failed ones
     * @param requestsPerSecond successful requests per second
     * @param idsPerSecond      client IDs answered per second
     * @param latency           request latency (fixed rate: from the scheduled start)
     * @param onlineInSample    in the verified sample of batch answers: online statuses
     * @param statusesInSample  statuses verified
     * @param brokerCpuCores    CPU used by the broker during the phase (warm-up included)
     * @param clientCpuCores    CPU used by the bench JVM (the HTTP client) during the phase (warm-up included)
     * @param meanResponseBytes mean size of an answer (batch only), or 0
     * @param loadAverage       load average right after it
     * @param firstError        the first error, or null
     */
    public record Query(String name, int connections, int targetRate, double seconds, long requests, long errors,
                        double requestsPerSecond, double idsPerSecond, LatencyStats latency, long onlineInSample,
                        long statusesInSample, double brokerCpuCores, double clientCpuCores, long meanResponseBytes,
                        String loadAverage, String firstError) {

        /** Broker CPU time per client ID answered, in microseconds. */
        public double brokerCpuMicrosPerId() {
            return idsPerSecond > 0 ? brokerCpuCores / idsPerSecond * 1e6 : 0;
        }
    }

    /**
     * One JMH benchmark.
     *
     * @param benchmark the method
     * @param score     mean time per operation
     * @param error     the 99.9% confidence half-interval
     * @param unit      e.g. ns/op
     */
    public record Jmh(String benchmark, double score, double error, String unit) {
    }

    /**
     * Part 4: status notifications to backends (broker in its own JVM; consumers: the published ApsaraMQ server SDK
     * over AMQP, and the SSE stream).
     *
     * @param rate                  device connects per second of the latency phases
     * @param seconds               length of each latency phase
     * @param warmupSeconds         unmeasured warm-up at the same rate before them
     * @param devices               devices connected in each latency phase
     * @param notificationLatency   device CONNACK to the SDK's ONLINE notice (negative: the notice came first)
     * @param latencyComplete       whether every device's SDK notice arrived
     * @param hiccups               the control during that phase: how late a bench thread sleeping 1 ms woke up
     * @param sseLatency            device CONNACK to its {@code connect} event on the SSE stream
     * @param sseLatencyComplete    whether every device's SSE event arrived
     * @param sseHiccups            the control during the SSE phase
     * @param backlogEvents         status events produced while the group's consumer was away
     * @param backlogClients        devices that produced them
     * @param drainedEvents         events the new SDK consumer received
     * @param drainSeconds          first to last notice of the SDK drain
     * @param drainEventsPerSecond  highest sustained rate to one consumer group
     * @param drainComplete         whether the whole backlog arrived at the SDK consumer
     * @param sseDrainedEvents      events one SSE stream read from the position before the backlog
     * @param sseDrainSeconds       first to last of them
     * @param sseDrainEventsPerSecond events per second of that stream
     */
    public record StatusNotifications(int rate, int seconds, int warmupSeconds, int devices,
                                      LatencyStats notificationLatency, boolean latencyComplete, LatencyStats hiccups,
                                      LatencyStats sseLatency, boolean sseLatencyComplete, LatencyStats sseHiccups,
                                      long backlogEvents, int backlogClients,
                                      long drainedEvents, double drainSeconds, double drainEventsPerSecond,
                                      boolean drainComplete, long sseDrainedEvents, double sseDrainSeconds,
                                      double sseDrainEventsPerSecond) {
    }

    /**
     * One publish/subscribe run (part 5).
     *
     * @param broker             broker name
     * @param version            its version
     * @param scenario           e.g. {@code 10->1 QoS 1 1 KB}
     * @param publishers         publishing connections
     * @param subscribers        subscribing connections
     * @param qos                QoS of publishing and subscribing
     * @param payloadBytes       payload size
     * @param mode               {@code closed-loop} or {@code fixed-rate}
     * @param offeredRate        fixed rate: deliveries per second offered (publish rate x subscribers), else 0
     * @param seconds            measured time
     * @param deliveredPerSecond distinct deliveries per second, all subscribers together
     * @param latency            publish (fixed rate: scheduled publish) to receipt
     * @param sent               messages published in the whole run (warm-up included)
     * @param lost               deliveries owed in the whole run that never arrived (after a drain)
     * @param duplicates         deliveries received twice
     * @param reordered          deliveries that arrived after a later message of the same publisher (not lost,
     *                           but out of MQTT's order)
     * @param stalls             closed-loop windows given up on (nothing arrived for 2 s)
     * @param brokerCpuCores     broker CPU during the measured time
     * @param generatorCpuCores  bench JVM CPU during the measured time
     */
    public record PubSub(String broker, String version, String scenario, int publishers, int subscribers, int qos,
                         int payloadBytes, String mode, int offeredRate, double seconds, double deliveredPerSecond,
                         LatencyStats latency, long sent, long lost, long duplicates, long reordered, long stalls,
                         double brokerCpuCores, double generatorCpuCores) {
    }

    /**
     * One flood of part 6 and the check right after it.
     *
     * @param broker             broker name
     * @param version            its version
     * @param scenario           e.g. {@code 10->1 QoS 1 1 KB}
     * @param seconds            length of the flood
     * @param sentPerSecond      messages the publishers got onto their sockets per second
     * @param sent               messages published
     * @param delivered          distinct deliveries received (during the flood and the drain after it)
     * @param dropped            deliveries owed that never arrived
     * @param deliveredPerSecond deliveries per second during the flood
     * @param baselineRssKiB     broker RSS before the flood
     * @param peakRssKiB         highest broker RSS sampled during the flood and its drain
     * @param brokerAlive        whether the broker process was still running afterwards
     * @param connectionsKept    whether the broker kept every flooding connection open
     * @param afterDeliveredPerSecond a closed-loop QoS 1 check on new connections right after: deliveries per second
     * @param afterLost          deliveries lost in that check
     * @param afterError         why the check failed, or null
     */
    public record Overload(String broker, String version, String scenario, double seconds, double sentPerSecond,
                           long sent, long delivered, long dropped, double deliveredPerSecond, long baselineRssKiB,
                           long peakRssKiB, boolean brokerAlive, boolean connectionsKept,
                           double afterDeliveredPerSecond, long afterLost, String afterError) {

        /** Up, answering and losing nothing at QoS 1 after the flood. */
        public boolean servesAfterwards() {
            return brokerAlive && afterError == null && afterDeliveredPerSecond > 0 && afterLost == 0;
        }
    }

    /**
     * Memory of idle connections (part 7): one step of connections held open.
     *
     * @param broker          broker name
     * @param version         its version
     * @param connections     connections asked for
     * @param connected       connections open when measured
     * @param baselineRssKiB  broker RSS before any connection
     * @param rssKiB          broker RSS with the connections open
     * @param baselineHeapKiB JVM brokers: heap after a full GC before any connection, else -1
     * @param heapKiB         JVM brokers: heap after a full GC with the connections open, else -1
     */
    public record Idle(String broker, String version, int connections, int connected, long baselineRssKiB,
                       long rssKiB, long baselineHeapKiB, long heapKiB) {

        /** RSS growth per open connection, in KiB. */
        public double rssPerConnectionKiB() {
            return perConnection(rssKiB, baselineRssKiB);
        }

        /** Heap growth per open connection, in KiB, or NaN when not measured. */
        public double heapPerConnectionKiB() {
            return heapKiB < 0 || baselineHeapKiB < 0 ? Double.NaN : perConnection(heapKiB, baselineHeapKiB);
        }

        private double perConnection(long value, long baseline) {
            return connected > 0 && value >= 0 && baseline >= 0 ? (double) (value - baseline) / connected : Double.NaN;
        }
    }

    /**
     * One churn run of part 8.
     *
     * @param transport {@code plain}, {@code TLS 1.3} or {@code TLS 1.2}
     */
    public record TlsChurn(String transport, Churn churn) {
    }

    /**
     * One publish/subscribe run of part 8.
     *
     * @param setup {@code plain}, {@code TLS 1.3}, or {@code plain, N rules} (PulseMQ with an authorization rule list)
     */
    public record TlsPubSub(String setup, PubSub pubsub) {
    }

    /**
     * One flood of part 9 and the check right after it.
     *
     * @param sent what the flood got onto the broker's sockets (messages, or connections for the storm)
     */
    public record Abuse(String broker, String version, String flood, double seconds, long sent, long baselineRssKiB,
                        long peakRssKiB, boolean brokerAlive, double afterDeliveredPerSecond, long afterLost,
                        String afterError) {

        /** Up, answering and losing nothing at QoS 1 after the flood. */
        public boolean servesAfterwards() {
            return brokerAlive && afterError == null && afterLost == 0 && afterDeliveredPerSecond > 0;
        }
    }

    /**
     * Part 10: how the cluster of the cluster part was set up.
     *
     * @param natsVersion     {@code nats-server --version}
     * @param nodes           PulseMQ nodes
     * @param natsServers     NATS servers (JetStream, clustered)
     * @param replicas        {@code cluster.nats.replicas}
     * @param nodeTimeoutMs   {@code cluster.nodeTimeout}
     * @param queryClients    clients held connected to node A during the status queries
     * @param failoverClients clients held connected to the node killed in each failover round
     */
    public record ClusterSetup(String natsVersion, int nodes, int natsServers, int replicas, long nodeTimeoutMs,
                               int queryClients, int failoverClients) {
    }

    /**
     * A publish/subscribe run of part 10.
     *
     * @param setup {@link #CLUSTER} (publishers on node A, subscribers on node B) or {@link #SINGLE}
     */
    public record ClusterPubSub(String setup, PubSub pubsub) {
    }

    /**
     * A status query phase of part 10.
     *
     * @param setup {@link #NON_OWNER} (clients on node A, queries on node B), {@link #OWNER} (queries on node A) or
     *              {@link #SINGLE}
     */
    public record ClusterQuery(String setup, Query query) {
    }

    /**
     * One failover round of part 10: clients held on one node, that node killed with SIGKILL, the offline events
     * read on a survivor's SSE stream.
     *
     * @param round             1, 2, ...
     * @param killedNode        the node killed
     * @param watchedOn         the survivor whose stream was read
     * @param clients           clients connected to the killed node before the kill (CONNACK read)
     * @param events            {@code tcpclean} events for those clients on the stream (the restart of the killed
     *                          node and a grace period included)
     * @param missing           clients without any {@code tcpclean}
     * @param duplicated        {@code tcpclean} events beyond the first for a client
     * @param wrongReason       {@code tcpclean} events for them with another reason than {@code server_crash}, or
     *                          another {@code node} than the killed one
     * @param firstEventSeconds kill to the first of them on the stream
     * @param lastEventSeconds  kill to the last client's first {@code tcpclean} on the stream: the failover time
     * @param onlineAfter       of those clients, how many a status query on the survivor still answered online
     *                          afterwards (-1: not asked)
     * @param restartSeconds    how long the killed node took to start again (fresh data directory)
     * @param loadAverage       load average right after the round
     * @param error             why the round did not complete, or null
     */
    public record FailoverRound(int round, String killedNode, String watchedOn, int clients, long events,
                                long missing, long duplicated, long wrongReason, double firstEventSeconds,
                                double lastEventSeconds, long onlineAfter, double restartSeconds, String loadAverage,
                                String error) {

        /** Every client got exactly one {@code tcpclean}, {@code server_crash} of the killed node. */
        public boolean exact() {
            return error == null && missing == 0 && duplicated == 0 && wrongReason == 0;
        }
    }

    /** Setup labels of part 10. */
    public static final String CLUSTER = "3 nodes";
    public static final String SINGLE = "single node";
    public static final String NON_OWNER = "non-owner node";
    public static final String OWNER = "owner node";

    public String date;
    public String command;
    /** The git revision the jars were built from (set by the launcher), or null. */
    public String sourceRevision;
    public MachineInfo machine;
    @JsonIgnore
    public BenchOptions options;
    public String loadAverageBefore;
    public String loadAverageAfter;
    public double maxLoadAverage1m;
    public String mosquittoVersion;
    public String hivemqVersion;
    public String pulsemqJar;
    /** The JVM options PulseMQ ran with (those {@code ./pulsemq start} gives it), and the bench JVM's own. */
    public String pulsemqJvmOptions;
    public String benchJvmOptions;
    public final List<Churn> churn = new ArrayList<>();
    /** PulseMQ's connects/s over the faster of the other brokers. */
    public Double churnRatio;
    /** Which broker {@link #churnRatio} compares with. */
    public String churnPeer;
    public String pubsubStatus = "not run";
    public final List<PubSub> pubsub = new ArrayList<>();
    public String overloadStatus = "not run";
    public final List<Overload> overload = new ArrayList<>();
    public String tlsStatus = "not run";
    public final List<TlsChurn> tlsChurn = new ArrayList<>();
    public final List<TlsPubSub> tlsPubsub = new ArrayList<>();
    public String abuseStatus = "not run";
    public final List<Abuse> abuse = new ArrayList<>();
    /** The heap a PulseMQ started by the bench may use (the JVM's default maximum here), in KiB. */
    public long pulsemqMaxHeapKiB;
    public String idleStatus = "not run";
    public final List<Idle> idle = new ArrayList<>();
    public String clusterStatus = "not run";
    public ClusterSetup clusterSetup;
    /** Part 10's churn runs: {@link #CLUSTER} and {@link #SINGLE} in {@link Churn#broker()}'s place of the setup. */
    public final List<Churn> clusterChurn = new ArrayList<>();
    public final List<ClusterPubSub> clusterPubsub = new ArrayList<>();
    public final List<ClusterQuery> clusterQueries = new ArrayList<>();
    public final List<FailoverRound> failover = new ArrayList<>();
    /** PNG plots written next to the report (file names). */
    public final List<String> plots = new ArrayList<>();
    public String queriesStatus = "not run";
    public Registration registration;
    public final List<Query> queries = new ArrayList<>();
    public String jmhStatus = "not run";
    public String jmhSettings;
    public final List<Jmh> jmh = new ArrayList<>();
    public String statusNotificationsStatus = "not run";
    public StatusNotifications statusNotifications;
    public final List<JfrSummary.Profile> profiles = new ArrayList<>();
    public final List<String> notes = new ArrayList<>();
    public double totalSeconds;

    /** The options of the run, as plain values (for the JSON file). */
    public Map<String, Object> getSettings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("quick", options.quick());
        m.put("churnSeconds", options.churnDuration().toSeconds());
        m.put("warmupSeconds", options.warmup().toSeconds());
        m.put("churnWarmupSeconds", options.churnWarmup().toSeconds());
        m.put("concurrency", options.concurrency());
        m.put("generatorThreads", options.generatorThreads());
        m.put("sourceAddresses", options.sourceAddresses());
        m.put("clients", options.clients());
        m.put("onlinePercent", options.onlinePercent());
        m.put("querySeconds", options.queryDuration().toSeconds());
        m.put("singleRate", options.singleRate());
        m.put("httpConnections", options.httpConnections());
        m.put("amqpRate", BenchOptions.AMQP_RATE);
        m.put("amqpSeconds", options.amqpDuration().toSeconds());
        m.put("amqpWarmupSeconds", options.amqpWarmup().toSeconds());
        m.put("amqpBacklog", options.amqpBacklog());
        m.put("pubsubSeconds", options.pubsubDuration().toSeconds());
        m.put("pubsubWindow", options.pubsubWindow());
        m.put("pubsubRates", options.pubsubRates());
        m.put("overloadSeconds", options.overloadDuration().toSeconds());
        m.put("idleConnections", options.idleConnections());
        m.put("failoverRounds", options.failoverRounds());
        m.put("failoverClients", options.failoverClients());
        m.put("maxQueuedMessages", ManagedProcess.MAX_QUEUED_MESSAGES);
        m.put("maxInflight", ManagedProcess.MAX_INFLIGHT);
        return m;
    }

    /** Part 8's churn run of {@code broker} over {@code transport}, or null. */
    Churn tlsChurnOf(String broker, String transport) {
        return tlsChurn.stream().filter(c -> c.churn().broker().equals(broker) && c.transport().equals(transport))
                .map(TlsChurn::churn).findFirst().orElse(null);
    }

    /** Part 8's publish/subscribe run of {@code broker} in {@code setup} and {@code scenario}, or null. */
    PubSub tlsPubsubOf(String broker, String setup, String scenario) {
        return tlsPubsub.stream().filter(p -> p.pubsub().broker().equals(broker) && p.setup().equals(setup)
                && p.pubsub().scenario().equals(scenario)).map(TlsPubSub::pubsub).findFirst().orElse(null);
    }

    /** Part 10's churn run of {@code setup} ({@link #CLUSTER} or {@link #SINGLE}), or null. */
    Churn clusterChurnOf(String setup) {
        return clusterChurn.stream().filter(c -> c.broker().endsWith("(" + setup + ")")).findFirst().orElse(null);
    }

    /** Part 10's pub/sub run of {@code setup}, {@code scenario} and {@code offeredRate} (0: closed loop), or null. */
    PubSub clusterPubsubOf(String setup, String scenario, int offeredRate) {
        return clusterPubsub.stream().filter(p -> p.setup().equals(setup) && p.pubsub().scenario().equals(scenario)
                && p.pubsub().offeredRate() == offeredRate).map(ClusterPubSub::pubsub).findFirst().orElse(null);
    }

    /** Part 10's query phase {@code name} of {@code setup}, or null. */
    Query clusterQueryOf(String setup, String name) {
        return clusterQueries.stream().filter(q -> q.setup().equals(setup) && q.query().name().equals(name))
                .map(ClusterQuery::query).findFirst().orElse(null);
    }

    /** Part 10's pub/sub scenarios in the order they ran. */
    List<String> clusterScenarios() {
        return clusterPubsub.stream().map(p -> p.pubsub().scenario()).distinct().toList();
    }

    Churn churnOf(String broker) {
        return churn.stream().filter(c -> c.broker().equals(broker)).findFirst().orElse(null);
    }

    /** Brokers with results in part 5, 6 or 7, PulseMQ first, in {@link BrokerUnderTest.Kind} order. */
    List<String> comparedBrokers() {
        List<String> out = new ArrayList<>();
        for (BrokerUnderTest.Kind k : BrokerUnderTest.Kind.values()) {
            String b = k.label();
            if (pubsub.stream().anyMatch(x -> x.broker().equals(b)) || overload.stream().anyMatch(x -> x.broker().equals(b))
                    || idle.stream().anyMatch(x -> x.broker().equals(b))) {
                out.add(b);
            }
        }
        return out;
    }

    /** The part 5 run of {@code broker}, {@code scenario} and {@code offeredRate} (0: the closed loop), or null. */
    PubSub pubsubOf(String broker, String scenario, int offeredRate) {
        return pubsub.stream().filter(p -> p.broker().equals(broker) && p.scenario().equals(scenario)
                && p.offeredRate() == offeredRate).findFirst().orElse(null);
    }

    /** Part 5's scenarios in the order they ran. */
    List<String> pubsubScenarios() {
        return pubsub.stream().map(PubSub::scenario).distinct().toList();
    }

    /**
     * The closed-loop run of {@code scenario} of the broker other than PulseMQ that delivered most, or null when
     * only PulseMQ ran it.
     */
    PubSub fasterPeer(String scenario) {
        return pubsub.stream().filter(p -> !p.broker().equals("PulseMQ") && p.scenario().equals(scenario)
                        && p.offeredRate() == 0)
                .max(Comparator.comparingDouble(PubSub::deliveredPerSecond)).orElse(null);
    }

    /** PulseMQ's closed-loop msgs/s in {@code scenario} over the faster peer's, or NaN. */
    double pubsubRatio(String scenario) {
        PubSub p = pubsubOf("PulseMQ", scenario, 0);
        PubSub peer = fasterPeer(scenario);
        return p == null || peer == null || peer.deliveredPerSecond() <= 0 ? Double.NaN
                : p.deliveredPerSecond() / peer.deliveredPerSecond();
    }

    /** The largest step of part 7 measured for {@code broker}, or null. */
    Idle largestIdle(String broker) {
        return idle.stream().filter(i -> i.broker().equals(broker))
                .max(Comparator.comparingInt(Idle::connected)).orElse(null);
    }

    Query query(String name) {
        return queries.stream().filter(q -> q.name().equals(name)).findFirst().orElse(null);
    }

    void sampleLoad() {
        double l = MachineInfo.loadAverage1m();
        if (!Double.isNaN(l)) {
            maxLoadAverage1m = Math.max(maxLoadAverage1m, l);
        }
    }
}
