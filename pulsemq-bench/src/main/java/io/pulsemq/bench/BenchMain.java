package io.pulsemq.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.pulsemq.bench.amqp.StatusNotificationBenchmark;
import io.netty.handler.ssl.SslContext;
import io.pulsemq.bench.pubsub.PubSubLoad;
import io.pulsemq.bench.tls.BenchCertificate;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * {@code ./pulsemq bench}: runs every benchmark in one go and writes the report. See {@link BenchOptions#USAGE}.
 *
 * <p>Order: churn against PulseMQ, Mosquitto and HiveMQ CE, status queries (a fresh PulseMQ with the registered
 * clients), JMH, status notifications to the server SDK and the SSE stream (a fresh PulseMQ in its own JVM, see
 * {@link StatusNotificationBenchmark}), then publish/subscribe, overload and idle connections against each broker
 * ({@link PubSubBench}), then TLS and authorization against PulseMQ and Mosquitto ({@link #runTls}), abuse floods,
 * then PulseMQ in cluster mode beside a single node ({@link ClusterBench}; {@code --cluster} runs only that). Each broker
 * runs only during its own part, a fresh process per part, and is stopped in a finally block (and by a shutdown
 * hook). A broker that is not installed is left out with a note.
 */
public final class BenchMain {

    private static final String GROUP = "GID_bench";

    private final BenchOptions options;
    private final Results results = new Results();
    private final MqttLoadGenerator generator;
    private final PubSubLoad pubsubLoad;
    private final Path work;
    private Path pulsemqJar;
    private Path mosquittoBinary;
    private Path hivemqLib;

    private BenchMain(BenchOptions options, Path work) {
        this.options = options;
        this.work = work;
        this.generator = new MqttLoadGenerator(options.generatorThreads(), options.sourceAddresses());
        this.pubsubLoad = new PubSubLoad(options.generatorThreads());
    }

    public static void main(String[] args) throws Exception {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (BenchOptions.HelpRequested e) {
            System.out.println(BenchOptions.USAGE);
            return;
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.err.println(BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.jmhOnly()) {
            JmhRunner.cli(options.jmhArgs());
            return;
        }
        Path work = Files.createTempDirectory("pulsemq-bench-");
        int code = 1;
        BenchMain bench = new BenchMain(options, work);
        try {
            code = bench.run(args);
        } catch (Exception | Error e) {
            System.err.println("bench: failed: " + e);
            e.printStackTrace(System.err);
        } finally {
            bench.generator.close();
            bench.pubsubLoad.close();
            deleteTree(work);
        }
        // Exit even after a failure: client libraries (the server SDK's recovery timer) leave threads that would
        // keep this JVM, and the load it puts on the machine, alive.
        System.exit(code);
    }

    private int run(String[] args) throws Exception {
        long t0 = System.nanoTime();
        results.date = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        results.command = "./pulsemq bench" + (args.length == 0 ? "" : " " + String.join(" ", args));
        results.sourceRevision = System.getProperty("pulsemq.bench.revision");
        results.machine = MachineInfo.collect(work);
        results.options = options;
        results.loadAverageBefore = MachineInfo.loadAverage();
        results.sampleLoad();
        log("machine: " + results.machine.summary());
        log("load average before: " + results.loadAverageBefore);
        Path given = options.brokerJar() != null ? options.brokerJar()
                : System.getProperty("pulsemq.brokerJar") != null ? Path.of(System.getProperty("pulsemq.brokerJar")) : null;
        Path jar = PulseMqProcess.findJar(given);
        results.pulsemqJar = jar.getFileName().toString();
        results.pulsemqJvmOptions = String.join(" ", PulseMqProcess.launcherJvmOptions(System.getenv("PULSEMQ_JAVA_OPTS")));
        results.benchJvmOptions = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-X")).collect(Collectors.joining(" "));
        int failures = 0;

        pulsemqJar = jar;
        List<BrokerUnderTest.Kind> brokers = brokers();
        if (!options.skipChurn()) {
            for (BrokerUnderTest.Kind kind : brokers) {
                try {
                    runChurn(kind);
                } catch (Exception e) {
                    failures++;
                    fail(kind.label() + " churn", e);
                }
            }
        }
        Results.Churn p = results.churnOf("PulseMQ");
        Results.Churn fastest = results.churn.stream().filter(c -> !c.broker().equals("PulseMQ"))
                .max(Comparator.comparingDouble(Results.Churn::connectsPerSecond)).orElse(null);
        if (p != null && fastest != null && fastest.connectsPerSecond() > 0) {
            results.churnRatio = p.connectsPerSecond() / fastest.connectsPerSecond();
            results.churnPeer = fastest.broker();
        }
        if (!options.skipQueries()) {
            try {
                runQueries(jar);
            } catch (Exception e) {
                failures++;
                fail("status queries", e);
            }
        }
        if (!options.skipJmh()) {
            try {
                results.sampleLoad();
                JmhRunner.Outcome o = JmhRunner.runAll(options.quick());
                results.jmhSettings = o.settings();
                results.jmh.addAll(o.results());
                results.jmhStatus = "measured";
                results.sampleLoad();
            } catch (Exception e) {
                failures++;
                results.jmhStatus = "failed: " + e;
                fail("JMH", e);
            }
        }
        if (!options.skipAmqp()) {
            try {
                runStatusNotifications(jar);
            } catch (Exception e) {
                failures++;
                results.statusNotificationsStatus = "failed: " + e;
                fail("server SDK status notifications", e);
            }
        }
        failures += eachBroker(brokers, options.skipPubsub(), "pubsub", "part 5: publish/subscribe", this::runPubSub,
                status -> results.pubsubStatus = status);
        failures += eachBroker(brokers, options.skipOverload(), "overload", "part 6: overload", this::runOverload,
                status -> results.overloadStatus = status);
        failures += eachBroker(brokers, options.skipIdle(), "idle", "part 7: idle connections", this::runIdle,
                status -> results.idleStatus = status);
        failures += runTls(brokers);
        results.pulsemqMaxHeapKiB = Runtime.getRuntime().maxMemory() / 1024;
        failures += eachBroker(brokers, options.skipAbuse(), "abuse", "part 9: abuse", this::runAbuse,
                status -> results.abuseStatus = status);
        failures += runCluster();
        results.loadAverageAfter = MachineInfo.loadAverage();
        results.totalSeconds = (System.nanoTime() - t0) / 1e9;
        write();
        log(String.format(Locale.ROOT, "done in %.0f s; load average after: %s", results.totalSeconds,
                results.loadAverageAfter));
        return failures == 0 ? 0 : 1;
    }

    // ---- part 1 --------------------------------------------------------------------------------

    /** The brokers to compare: PulseMQ, then those of Mosquitto and HiveMQ CE that are there and not skipped. */
    private List<BrokerUnderTest.Kind> brokers() throws IOException {
        List<BrokerUnderTest.Kind> out = new ArrayList<>(List.of(BrokerUnderTest.Kind.PULSEMQ));
        if (!options.skipMosquitto()) {
            mosquittoBinary = MosquittoProcess.find();
            if (mosquittoBinary == null) {
                missing("mosquitto is not installed, so it was left out of the comparisons. Install it with: "
                        + MosquittoProcess.INSTALL_HINT + " (Debian package 'mosquitto'), then run ./pulsemq bench again.");
            } else {
                results.mosquittoVersion = MosquittoProcess.version(mosquittoBinary);
                out.add(BrokerUnderTest.Kind.MOSQUITTO);
            }
        }
        if (!options.skipHivemq()) {
            hivemqLib = HiveMqProcess.find();
            if (hivemqLib == null) {
                missing("HiveMQ CE's jars are not in " + HiveMqProcess.LIB + ", so it was left out of the "
                        + "comparisons. ./pulsemq bench resolves them on first use; by hand: " + HiveMqProcess.INSTALL_HINT
                        + " (needs Maven and access to Maven Central).");
            } else {
                results.hivemqVersion = "HiveMQ CE " + HiveMqProcess.version(hivemqLib) + " (embedded edition)";
                out.add(BrokerUnderTest.Kind.HIVEMQ);
            }
        }
        return out;
    }

    private void missing(String msg) {
        System.err.println("bench: " + msg);
        results.notes.add(msg);
    }

    /**
     * Starts a fresh broker for one part ({@code part} names its working directory and, for PulseMQ, its JFR
     * recording {@code pulsemq-<part>.jfr}).
     */
    private BrokerUnderTest startBroker(BrokerUnderTest.Kind kind, String part) throws Exception {
        String name = kind.name().toLowerCase(Locale.ROOT) + "-" + part;
        return switch (kind) {
            case PULSEMQ -> {
                PulseMqProcess p = PulseMqProcess.start(pulsemqJar, dir(name), jvmOptions(name));
                yield new BrokerUnderTest(kind, pulsemqVersion(),
                        new InetSocketAddress("127.0.0.1", p.ports().mqtt()), p, p.ports().http());
            }
            case MOSQUITTO -> {
                MosquittoProcess m = MosquittoProcess.start(mosquittoBinary, dir(name));
                yield new BrokerUnderTest(kind, results.mosquittoVersion.replace("mosquitto version ", ""),
                        new InetSocketAddress("127.0.0.1", m.port()), m, 0);
            }
            case HIVEMQ -> {
                HiveMqProcess h = HiveMqProcess.start(hivemqLib, dir(name), List.of());
                yield new BrokerUnderTest(kind, HiveMqProcess.version(hivemqLib),
                        new InetSocketAddress("127.0.0.1", h.port()), h, 0);
            }
        };
    }

    /** What one part does with one running broker. */
    private interface BrokerPart {
        void run(BrokerUnderTest broker) throws Exception;
    }

    /**
     * Runs one of parts 5 to 7 against each broker, a fresh process each, and profiles PulseMQ's run. Answers
     * the number of failures.
     */
    private int eachBroker(List<BrokerUnderTest.Kind> brokers, boolean skip, String part, String title, BrokerPart body,
                           Consumer<String> status) {
        if (skip) {
            status.accept("skipped by --skip-" + part);
            return 0;
        }
        int failures = 0;
        for (BrokerUnderTest.Kind kind : brokers) {
            log(title + " against " + kind.label());
            results.sampleLoad();
            try (BrokerUnderTest b = startBroker(kind, part)) {
                body.run(b);
            } catch (Exception e) {
                failures++;
                fail(kind.label() + " " + title, e);
            }
            results.sampleLoad();
            if (kind == BrokerUnderTest.Kind.PULSEMQ) {
                profile("pulsemq-" + part, "PulseMQ " + title.replaceFirst("^part \\d+: ", ""));
            }
        }
        status.accept(failures == 0 ? "measured" : "measured with failures (see notes)");
        return failures;
    }

    // ---- part 1 --------------------------------------------------------------------------------

    private void runChurn(BrokerUnderTest.Kind kind) throws Exception {
        log("part 1: connection churn against " + kind.label()
                + (kind == BrokerUnderTest.Kind.PULSEMQ ? " (separate JVM, durable status events)" : ""));
        try (BrokerUnderTest b = startBroker(kind, "churn")) {
            results.churn.add(churn(b.name(), b.version(), b.mqtt(), null, options.churnWarmup(), b.pid()));
            if (kind == BrokerUnderTest.Kind.PULSEMQ) {
                long events = metric(b.httpPort(), "pulsemq_statuslog_offset");
                if (events > 0) {
                    results.notes.add(String.format(Locale.ROOT, "PulseMQ wrote %,d durable status events during the "
                            + "churn run (warm-up included): connect, disconnect and tcpclean per cycle.", events));
                }
            }
        }
        if (kind == BrokerUnderTest.Kind.PULSEMQ) {
            profile("pulsemq-churn", "PulseMQ connection churn (warm-up included)");
        }
    }

    // ---- parts 5 to 7 --------------------------------------------------------------------------

    private void runPubSub(BrokerUnderTest b) throws Exception {
        results.pubsub.addAll(pubsubBench().pubsub(b));
    }

    private void runOverload(BrokerUnderTest b) throws Exception {
        results.overload.addAll(pubsubBench().overload(b));
    }

    private void runAbuse(BrokerUnderTest b) throws Exception {
        results.abuse.addAll(new AbuseBench(options, pubsubBench(), BenchMain::log).run(b));
    }

    private void runIdle(BrokerUnderTest b) throws Exception {
        results.idle.addAll(pubsubBench().idle(b, idleLimit()));
    }

    private PubSubBench pubsubBench() {
        return new PubSubBench(options, pubsubLoad, generator, BenchMain::log);
    }

    /**
     * The most idle connections one process may hold here: the open-file limit of this JVM (the broker inherits
     * it), less 1,000 for everything else the processes keep open.
     */
    private int idleLimit() {
        long max = MachineInfo.maxFileDescriptors();
        int wanted = options.idleConnections().get(options.idleConnections().size() - 1);
        if (max <= 0 || max - 1000 >= wanted) {
            return wanted;
        }
        int limit = (int) Math.max(0, max - 1000);
        String note = String.format(Locale.ROOT, "Idle connections: capped at %,d (open-file limit %,d less 1,000) "
                + "instead of %,d; raise ulimit -n to measure more.", limit, max, wanted);
        if (!results.notes.contains(note)) {
            results.notes.add(note);
        }
        return limit;
    }

    /** A churn run against {@code target}, over TLS when {@code tls} is not null, after {@code warmup}. */
    private Results.Churn churn(String broker, String version, InetSocketAddress target, SslContext tls,
                                Duration warmup, long brokerPid) throws InterruptedException {
        return new ChurnLoad(options, generator, results, BenchMain::log).run(broker, version, List.of(target), tls,
                warmup, List.of(brokerPid));
    }

    // ---- part 10 -------------------------------------------------------------------------------

    /** Part 10: PulseMQ in cluster mode beside a single node ({@link ClusterBench}). Answers the failures. */
    private int runCluster() {
        if (options.skipCluster()) {
            results.clusterStatus = "skipped by --skip-cluster";
            return 0;
        }
        Path nats = NatsServers.find();
        if (nats == null) {
            results.clusterStatus = "not run: nats-server is not installed";
            missing("nats-server is not installed, so the cluster part (part 10) was left out. Install it with: "
                    + NatsServers.INSTALL_HINT + ", then run ./pulsemq bench --cluster.");
            return 0;
        }
        try {
            new ClusterBench(options, results, generator, pubsubBench(), pulsemqJar, pulsemqVersion(), work,
                    BenchMain::log).run(nats);
            results.clusterStatus = "measured";
            return 0;
        } catch (Exception e) {
            results.clusterStatus = "measured with failures (see notes)";
            fail("part 10: cluster", e);
            return 1;
        }
    }

    // ---- part 8 --------------------------------------------------------------------------------

    /** Setup label of part 8's PulseMQ run with the rule list. */
    static final String RULES_SETUP = "plain, " + TlsPart.RULES + " rules";

    /**
     * Part 8: TLS and authorization. PulseMQ and Mosquitto, each with the same certificate on an MQTT over TLS
     * listener beside the plain one: churn over plain TCP, TLS 1.3 and TLS 1.2 (full handshakes), then the 10 to 1
     * 64 B pub/sub workloads over plain TCP, TLS 1.3 and plain TCP again, all against one process per broker. Then a fresh PulseMQ with
     * {@value TlsPart#RULES} authorization rules runs the plain pub/sub workloads again. HiveMQ CE is left out: its
     * TLS listener needs a Java key store and its community edition is not the TLS reference the issue names.
     */
    private int runTls(List<BrokerUnderTest.Kind> brokers) throws IOException {
        if (options.skipTls()) {
            results.tlsStatus = "skipped by --skip-tls";
            return 0;
        }
        BenchCertificate cert = BenchCertificate.create(work.resolve("tls"));
        int failures = 0;
        for (BrokerUnderTest.Kind kind : brokers) {
            if (kind == BrokerUnderTest.Kind.HIVEMQ) {
                continue;
            }
            log("part 8: TLS against " + kind.label());
            results.sampleLoad();
            try (BrokerUnderTest b = startTlsBroker(kind, cert)) {
                for (String transport : TlsPart.TRANSPORTS) {
                    SslContext tls = TlsPart.clientContext(cert, transport);
                    log("  churn over " + transport);
                    Duration warmup = transport.equals(TlsPart.PLAIN) ? options.churnWarmup() : options.warmup();
                    results.tlsChurn.add(new Results.TlsChurn(transport, churn(b.name(), b.version(),
                            tls == null ? b.mqtt() : b.mqtts(), tls, warmup, b.pid())));
                }
                for (String transport : TlsPart.PUBSUB_SETUPS) {
                    SslContext tls = TlsPart.clientContext(cert, transport);
                    for (Results.PubSub p : pubsubBench().tlsPubSub(b, tls == null ? b.mqtt() : b.mqtts(), tls)) {
                        results.tlsPubsub.add(new Results.TlsPubSub(transport, p));
                    }
                }
            } catch (Exception e) {
                failures++;
                fail(kind.label() + " part 8: TLS", e);
            }
            results.sampleLoad();
            if (kind == BrokerUnderTest.Kind.PULSEMQ) {
                profile("pulsemq-tls", "PulseMQ TLS churn and pub/sub (warm-up included)");
            }
        }
        log("part 8: PulseMQ with " + TlsPart.RULES + " authorization rules");
        try (PulseMqProcess p = PulseMqProcess.start(pulsemqJar, dir("pulsemq-rules"), List.of(), Map.of(),
                TlsPart.writeRules(work.resolve("rules.yaml")))) {
            BrokerUnderTest b = new BrokerUnderTest(BrokerUnderTest.Kind.PULSEMQ, pulsemqVersion(),
                    new InetSocketAddress("127.0.0.1", p.ports().mqtt()), p, p.ports().http());
            for (Results.PubSub r : pubsubBench().tlsPubSub(b, b.mqtt(), null)) {
                results.tlsPubsub.add(new Results.TlsPubSub(RULES_SETUP, r));
            }
        } catch (Exception e) {
            failures++;
            fail("PulseMQ part 8: authorization rules", e);
        }
        results.tlsStatus = failures == 0 ? "measured" : "measured with failures (see notes)";
        return failures;
    }

    private BrokerUnderTest startTlsBroker(BrokerUnderTest.Kind kind, BenchCertificate cert) throws Exception {
        String name = kind.name().toLowerCase(Locale.ROOT) + "-tls";
        if (kind == BrokerUnderTest.Kind.MOSQUITTO) {
            MosquittoProcess m = MosquittoProcess.start(mosquittoBinary, dir(name), cert.certFile(), cert.keyFile());
            return new BrokerUnderTest(kind, results.mosquittoVersion.replace("mosquitto version ", ""),
                    new InetSocketAddress("127.0.0.1", m.port()), m, 0, new InetSocketAddress("127.0.0.1", m.tlsPort()));
        }
        PulseMqProcess p = PulseMqProcess.start(pulsemqJar, dir(name), jvmOptions("pulsemq-tls"),
                TlsPart.pulsemqTlsEnv(cert), null);
        return new BrokerUnderTest(kind, pulsemqVersion(), new InetSocketAddress("127.0.0.1", p.ports().mqtt()), p,
                p.ports().http(), new InetSocketAddress("127.0.0.1", p.ports().mqtts()));
    }

    private String pulsemqVersion() {
        return results.pulsemqJar.replace("pulsemq-broker-", "").replace("-all.jar", "");
    }

    // ---- part 2 --------------------------------------------------------------------------------

    private void runQueries(Path jar) throws Exception {
        log("part 2: status queries (fresh PulseMQ)");
        try {
            runQueriesOn(jar);
        } finally {
            if (results.registration != null) {
                profile("pulsemq-queries", "PulseMQ registration and status queries (all phases)");
            }
        }
    }

    private void runQueriesOn(Path jar) throws Exception {
        try (PulseMqProcess broker = PulseMqProcess.start(jar, dir("pulsemq-queries"), jvmOptions("pulsemq-queries"))) {
            int total = options.clients();
            List<String> ids = new ArrayList<>(total);
            for (int i = 0; i < total; i++) {
                ids.add(String.format("%s@@@dev-%06d", GROUP, i));
            }
            StatusQueryBench q = new StatusQueryBench(broker.ports().http(), broker.adminKey().id(),
                    broker.adminKey().secret(), ids);
            String missing = q.probe();
            if (missing != null) {
                results.queriesStatus = "not measured: the broker does not serve the status API yet (" + missing
                        + "); the benchmark is implemented against CONTRACT.md section 4 and runs once it lands";
                log("  " + results.queriesStatus);
                return;
            }
            register(broker, ids);
            try {
                BrokerCpu cpu = new BrokerCpu(broker.pid());
                log("  batch: POST /api/v1/clients/status, " + StatusQueryBench.BATCH + " ids per request, "
                        + options.httpConnections() + " connections");
                cpu.mark();
                StatusQueryBench.Phase batch = q.batch(options.httpConnections(), options.warmup(),
                        options.queryDuration());
                addQuery("batch", options.httpConnections(), 0, batch, StatusQueryBench.BATCH, cpu.coresSinceMark(batch));

                log("  single, fixed rate " + options.singleRate() + "/s: GET /api/v1/clients/{id}");
                cpu.mark();
                int rateConns = Math.max(8, options.httpConnections());
                StatusQueryBench.Phase fixed = q.singleFixedRate(options.singleRate(), rateConns, options.warmup(),
                        options.queryDuration());
                addQuery("single-fixed-rate", rateConns, options.singleRate(), fixed, 1,
                        cpu.coresSinceMark(fixed));

                int conns = Math.max(8, options.httpConnections());
                log("  single, max QPS: " + conns + " connections, closed loop");
                cpu.mark();
                StatusQueryBench.Phase max = q.singleMax(conns, options.warmup(), options.queryDuration());
                addQuery("single-max", conns, 0, max, 1, cpu.coresSinceMark(max));
                results.queriesStatus = "measured";
            } finally {
                generator.closeHeld(15_000);
            }
        }
    }

    private void register(PulseMqProcess broker, List<String> ids) throws InterruptedException {
        int total = ids.size();
        int keep = options.onlineClients();
        log(String.format(Locale.ROOT, "  registering %,d client IDs (%,d stay connected)", total, keep));
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        MqttLoadGenerator.Counts before = generator.counts();
        generator.start(new InetSocketAddress("127.0.0.1", broker.ports().mqtt()), options.concurrency(), slot -> {
            int i = next.getAndIncrement();
            return i < total ? new MqttLoadGenerator.Attempt(ids.get(i), i < keep) : null;
        });
        if (!generator.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("registering " + total + " clients took more than 10 minutes");
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        MqttLoadGenerator.Counts c = generator.counts().minus(before);
        long known = metric(broker.ports().http(), "pulsemq_clients_known");
        long online = metric(broker.ports().http(), "pulsemq_clients_online");
        results.registration = new Results.Registration(total, generator.heldConnections(), seconds,
                c.connacks() / seconds, c.errors(), known, online);
        log(String.format(Locale.ROOT, "  registered in %.1f s (%,.0f connects/s), %d errors; broker: %,d known, "
                + "%,d online", seconds, c.connacks() / seconds, c.errors(), known, online));
        if (c.errors() > 0) {
            results.notes.add("Registration had " + c.errors() + " failed attempts (first: " + generator.firstError()
                    + "); those client IDs are unknown to the broker.");
        }
    }

    private void addQuery(String name, int connections, int rate, StatusQueryBench.Phase p, int idsPerRequest,
                          double[] brokerCpu) {
        String load = MachineInfo.loadAverage();
        results.sampleLoad();
        Results.Query q = new Results.Query(name, connections, rate, p.seconds(), p.requests(), p.errors(),
                p.requestsPerSecond(), p.requestsPerSecond() * idsPerRequest, p.latency(), p.onlineSeen(),
                p.statusesSeen(), brokerCpu[0], brokerCpu[1], p.meanResponseBytes(), load, p.firstError());
        results.queries.add(q);
        log(String.format(Locale.ROOT, "    %,.0f req/s = %,.0f ids/s, p50 %s p99 %s p99.9 %s, %d errors%s",
                q.requestsPerSecond(), q.idsPerSecond(), LatencyStats.format(q.latency().p50Us()),
                LatencyStats.format(q.latency().p99Us()), LatencyStats.format(q.latency().p999Us()), q.errors(),
                q.firstError() == null ? "" : " (first: " + q.firstError() + ")"));
    }

    /** CPU of the broker and of this JVM between a mark and the end of a phase. */
    private static final class BrokerCpu {
        private final long pid;
        private double mark;
        private double selfMark;
        private long markNanos;

        BrokerCpu(long pid) {
            this.pid = pid;
        }

        void mark() {
            mark = MachineInfo.cpuSeconds(pid);
            selfMark = MachineInfo.cpuSeconds(ProcessHandle.current().pid());
            markNanos = System.nanoTime();
        }

        /** Average cores of {broker, this JVM} over the whole phase including its warm-up. */
        double[] coresSinceMark(StatusQueryBench.Phase p) {
            double elapsed = (System.nanoTime() - markNanos) / 1e9;
            return new double[] {(MachineInfo.cpuSeconds(pid) - mark) / elapsed,
                    (MachineInfo.cpuSeconds(ProcessHandle.current().pid()) - selfMark) / elapsed};
        }
    }

    // ---- part 4 --------------------------------------------------------------------------------

    private void runStatusNotifications(Path jar) throws Exception {
        log(String.format(Locale.ROOT, "part 4: status notifications (PulseMQ in its own JVM; %,d connects/s for %d s "
                + "per consumer after a %d s warm-up, then a backlog of %,d events)", BenchOptions.AMQP_RATE,
                options.amqpDuration().toSeconds(), options.amqpWarmup().toSeconds(), options.amqpBacklog()));
        results.sampleLoad();
        Results.StatusNotifications n;
        try (PulseMqProcess broker = PulseMqProcess.start(jar, dir("pulsemq-notify"), jvmOptions("pulsemq-notify"))) {
            StatusNotificationBenchmark.Target target = new StatusNotificationBenchmark.Target("127.0.0.1",
                    broker.ports(), StatusNotificationBenchmark.DEFAULT_INSTANCE_ID, broker.adminKey());
            n = StatusNotificationBenchmark.run(target, BenchOptions.AMQP_RATE, (int) options.amqpDuration().toSeconds(),
                    (int) options.amqpWarmup().toSeconds(), options.amqpBacklog(), line -> log("  " + line));
        }
        profile("pulsemq-notify", "PulseMQ status notifications (warm-up included)");
        results.sampleLoad();
        results.statusNotifications = n;
        results.statusNotificationsStatus = "measured";
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** A gauge or counter from the broker's /metrics (first sample of that name), or -1. */
    private static long metric(int httpPort, String name) {
        try {
            HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            for (String line : r.body().split("\n")) {
                if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                    return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    private List<String> jvmOptions(String name) throws IOException {
        if (!options.jfr()) {
            return List.of();
        }
        Path file = jfrFile(name);
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(file);
        return List.of("-XX:StartFlightRecording=settings=profile,filename=" + file);
    }

    private static Path jfrFile(String name) {
        return Path.of("target", "bench-jfr", name + ".jfr").toAbsolutePath();
    }

    /** Summarises the recording of a PulseMQ run that has ended (JFR writes it when the JVM exits). */
    private void profile(String name, String phase) {
        if (!options.jfr()) {
            return;
        }
        try {
            results.profiles.add(JfrSummary.read(phase, jfrFile(name), 8));
        } catch (IOException | RuntimeException e) {
            results.notes.add("No JFR summary for " + phase + ": " + e.getMessage());
        }
    }

    private Path dir(String name) throws IOException {
        return Files.createDirectories(work.resolve(name));
    }

    private void write() throws IOException {
        Path out = options.out();
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        try {
            results.plots.addAll(Charts.write(results, out.toAbsolutePath().getParent()));
        } catch (IOException | RuntimeException | LinkageError e) {
            results.notes.add("No plots: " + e);
        }
        // The raw results first: a report that fails to render must not lose a run's numbers.
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        json.writeValue(options.jsonOut().toFile(), results);
        Files.writeString(out, new MarkdownReport(results).render() + keptSection(out));
        log("wrote " + out + " and " + options.jsonOut());
    }

    /**
     * What the report at {@code out} holds from {@link MarkdownReport#KEPT_MARKER} on: records of runs the bench
     * does not make (fuzzing, crash rounds), kept across bench runs; empty if there is none.
     */
    private static String keptSection(Path out) throws IOException {
        if (!Files.isRegularFile(out)) {
            return "";
        }
        String old = Files.readString(out);
        int at = old.indexOf(MarkdownReport.KEPT_MARKER);
        return at < 0 ? "" : "\n" + old.substring(at);
    }

    private void fail(String part, Exception e) {
        System.err.println("bench: " + part + " failed: " + e);
        e.printStackTrace(System.err);
        results.notes.add(part + " failed: " + e.getMessage());
    }

    private static void sleep(Duration d) throws InterruptedException {
        TimeUnit.MILLISECONDS.sleep(d.toMillis());
    }

    private static void log(String line) {
        System.out.println("bench: " + line);
    }

    private static void deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("bench: could not delete " + root + ": " + e);
        }
    }
}
