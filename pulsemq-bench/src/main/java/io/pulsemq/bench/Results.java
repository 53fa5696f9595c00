package io.pulsemq.bench;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.ArrayList;
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
                        double brokerCpuCores, double generatorCpuCores, String loadAverage, String firstError) {

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
    public String pulsemqJar;
    public final List<Churn> churn = new ArrayList<>();
    public Double churnRatio;
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
        m.put("amqpBacklog", options.amqpBacklog());
        return m;
    }

    Churn churnOf(String broker) {
        return churn.stream().filter(c -> c.broker().equals(broker)).findFirst().orElse(null);
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
